/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`tests/mcp-tools.test.ts > TAP > tools/list: titles, annotations, strict schemas, output schemas, pinned > tools/list 1`] = `
Array [
  Object {
    "annotations": Object {
      "destructiveHint": false,
      "idempotentHint": true,
      "openWorldHint": false,
      "readOnlyHint": true,
      "title": "Search code",
    },
    "description": "Find code by meaning or name: identifiers (parseJsonConfig), words (json config) or sentences (\\"where do we retry failed uploads\\"). Returns ranked whole functions/classes with path:start-end and code. Filters: paths, languages, author, since/until (who/when lines last changed). Use grep_code for exact text, find_symbol for a definition by name.",
    "inputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "author": Object {
          "description": "only code whose lines were last changed by this author (name or email, substring)",
          "minLength": 1,
          "type": "string",
        },
        "boost_recent": Object {
          "description": "rank recently changed code higher",
          "type": "boolean",
        },
        "cursor": Object {
          "description": "next_cursor of the previous page (same other arguments)",
          "maxLength": 2000,
          "minLength": 1,
          "type": "string",
        },
        "history": Object {
          "description": "rank by the commit messages that touched the code (find code by why it changed)",
          "type": "boolean",
        },
        "languages": Object {
          "description": "languages to restrict to, e.g. [\\"python\\", \\"typescript\\"]",
          "items": Object {
            "minLength": 1,
            "type": "string",
          },
          "maxItems": 20,
          "type": "array",
        },
        "limit": Object {
          "description": "hits per page (default 8)",
          "maximum": 50,
          "minimum": 1,
          "type": "integer",
        },
        "max_tokens": Object {
          "description": "output budget in tokens (default 4000)",
          "maximum": 50000,
          "minimum": 200,
          "type": "integer",
        },
        "mode": Object {
          "description": "hybrid (default: every retriever fused), lexical, semantic or symbol",
          "enum": Array [
            "hybrid",
            "lexical",
            "semantic",
            "symbol",
          ],
          "type": "string",
        },
        "paths": Object {
          "description": "path globs to restrict to, e.g. [\\"src/**\\", \\"*.py\\"]",
          "items": Object {
            "minLength": 1,
            "type": "string",
          },
          "maxItems": 50,
          "type": "array",
        },
        "query": Object {
          "description": "what to look for",
          "maxLength": 500,
          "minLength": 1,
          "type": "string",
        },
        "repo": Object {
          "description": "absolute path of a registered repository (default: the one the client works in)",
          "minLength": 1,
          "type": "string",
        },
        "since": Object {
          "description": "only code changed since: a duration (2w, 3d, 6mo) or a date (2025-01-01)",
          "minLength": 1,
          "type": "string",
        },
        "until": Object {
          "description": "only code changed until (same forms; a date means the end of that day)",
          "minLength": 1,
          "type": "string",
        },
      },
      "required": Array [
        "query",
      ],
      "type": "object",
    },
    "name": "search_code",
    "outputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "freshness": Object {
          "anyOf": Array [
            Object {
              "additionalProperties": false,
              "properties": Object {
                "changedFiles": Object {
                  "items": Object {
                    "type": "string",
                  },
                  "type": "array",
                },
                "changedTruncated": Object {
                  "type": "boolean",
                },
                "fresh": Object {
                  "type": "boolean",
                },
                "head": Object {
                  "type": Array [
                    "string",
                    "null",
                  ],
                },
                "headMatches": Object {
                  "type": "boolean",
                },
                "indexedCommit": Object {
                  "type": Array [
                    "string",
                    "null",
                  ],
                },
                "pendingJobs": Object {
                  "type": "integer",
                },
                "repo": Object {
                  "type": "string",
                },
                "vectors": Object {
                  "additionalProperties": false,
                  "properties": Object {
                    "embedded": Object {
                      "type": "integer",
                    },
                    "total": Object {
                      "type": "integer",
                    },
                  },
                  "required": Array [
                    "embedded",
                    "total",
                  ],
                  "type": "object",
                },
              },
              "required": Array [
                "repo",
                "indexedCommit",
                "head",
                "fresh",
                "headMatches",
                "changedFiles",
                "changedTruncated",
                "pendingJobs",
              ],
              "type": "object",
            },
            Object {
              "type": "null",
            },
          ],
        },
        "hits": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "code": Object {
                "description": "the chunk text, possibly shortened to fit the budget",
                "type": "string",
              },
              "endLine": Object {
                "type": "integer",
              },
              "history": Object {
                "additionalProperties": false,
                "properties": Object {
                  "authors": Object {
                    "type": "integer",
                  },
                  "commits": Object {
                    "type": "integer",
                  },
                  "lastChange": Object {
                    "anyOf": Array [
                      Object {
                        "additionalProperties": false,
                        "properties": Object {
                          "author": Object {
                            "type": "string",
                          },
                          "date": Object {
                            "type": "string",
                          },
                          "email": Object {
                            "type": "string",
                          },
                          "sha": Object {
                            "type": "string",
                          },
                          "subject": Object {
                            "type": "string",
                          },
                        },
                        "required": Array [
                          "sha",
                          "author",
                          "email",
                          "date",
                          "subject",
                        ],
                        "type": "object",
                      },
                      Object {
                        "type": "null",
                      },
                    ],
                  },
                  "matched": Object {
                    "items": Object {
                      "additionalProperties": false,
                      "properties": Object {
                        "sha": Object {
                          "type": "string",
                        },
                        "subject": Object {
                          "type": "string",
                        },
                      },
                      "required": Array [
                        "sha",
                        "subject",
                      ],
                      "type": "object",
                    },
                    "type": "array",
                  },
                  "newest": Object {
                    "type": Array [
                      "string",
                      "null",
                    ],
                  },
                  "newestAgeDays": Object {
                    "type": Array [
                      "number",
                      "null",
                    ],
                  },
                  "note": Object {
                    "type": Array [
                      "string",
                      "null",
                    ],
                  },
                  "oldest": Object {
                    "type": Array [
                      "string",
                      "null",
                    ],
                  },
                  "oldestAgeDays": Object {
                    "type": Array [
                      "number",
                      "null",
                    ],
                  },
                  "status": Object {
                    "enum": Array [
                      "blamed",
                      "uncommitted",
                      "pending",
                      "too-large",
                      "failed",
                    ],
                    "type": "string",
                  },
                  "topAuthors": Object {
                    "items": Object {
                      "type": "string",
                    },
                    "type": "array",
                  },
                  "truncated": Object {
                    "type": "boolean",
                  },
                  "uncommittedLines": Object {
                    "type": "integer",
                  },
                },
                "required": Array [
                  "status",
                  "note",
                  "lastChange",
                  "authors",
                  "topAuthors",
                  "commits",
                  "uncommittedLines",
                  "oldest",
                  "newest",
                  "oldestAgeDays",
                  "newestAgeDays",
                  "truncated",
                ],
                "type": "object",
              },
              "indexedCommit": Object {
                "type": Array [
                  "string",
                  "null",
                ],
              },
              "kind": Object {
                "type": "string",
              },
              "language": Object {
                "type": "string",
              },
              "path": Object {
                "type": "string",
              },
              "repo": Object {
                "type": "string",
              },
              "retrievers": Object {
                "items": Object {
                  "type": "string",
                },
                "type": "array",
              },
              "score": Object {
                "type": "number",
              },
              "snippet": Object {
                "type": "string",
              },
              "stale": Object {
                "type": "boolean",
              },
              "startLine": Object {
                "type": "integer",
              },
              "symbol": Object {
                "type": Array [
                  "string",
                  "null",
                ],
              },
              "uri": Object {
                "description": "contextd:// resource of these lines (resources/read)",
                "type": "string",
              },
              "why": Object {
                "items": Object {
                  "type": "string",
                },
                "type": "array",
              },
            },
            "required": Array [
              "repo",
              "path",
              "startLine",
              "endLine",
              "symbol",
              "kind",
              "language",
              "score",
              "snippet",
              "retrievers",
              "why",
              "history",
              "stale",
              "indexedCommit",
              "uri",
              "code",
            ],
            "type": "object",
          },
          "type": "array",
        },
        "next_cursor": Object {
          "description": "more hits did not fit the budget: call again with cursor = this",
          "type": Array [
            "string",
            "null",
          ],
        },
        "trimmed": Object {
          "description": "hits whose code was shortened to fit the budget",
          "type": "integer",
        },
      },
      "required": Array [
        "hits",
        "trimmed",
        "next_cursor",
        "freshness",
      ],
      "type": "object",
    },
    "title": "Search code",
  },
  Object {
    "annotations": Object {
      "destructiveHint": false,
      "idempotentHint": true,
      "openWorldHint": false,
      "readOnlyHint": true,
      "title": "Grep code (exact text or regex)",
    },
    "description": "Every line with an exact string or a regular expression (Perl syntax) in the indexed files of a repository: all call sites of a name, an error message, a config key. Same filters as search_code (paths, languages, author, since/until). Use search_code when you do not know the exact text.",
    "inputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "author": Object {
          "description": "only code whose lines were last changed by this author (name or email, substring)",
          "minLength": 1,
          "type": "string",
        },
        "ignore_case": Object {
          "type": "boolean",
        },
        "languages": Object {
          "description": "languages to restrict to, e.g. [\\"python\\", \\"typescript\\"]",
          "items": Object {
            "minLength": 1,
            "type": "string",
          },
          "maxItems": 20,
          "type": "array",
        },
        "limit": Object {
          "description": "most matching lines (default 50)",
          "maximum": 500,
          "minimum": 1,
          "type": "integer",
        },
        "max_tokens": Object {
          "description": "output budget in tokens (default 4000)",
          "maximum": 50000,
          "minimum": 200,
          "type": "integer",
        },
        "paths": Object {
          "description": "path globs to restrict to, e.g. [\\"src/**\\", \\"*.py\\"]",
          "items": Object {
            "minLength": 1,
            "type": "string",
          },
          "maxItems": 50,
          "type": "array",
        },
        "pattern": Object {
          "description": "the text to find (exact), or a regular expression with regex=true",
          "maxLength": 500,
          "minLength": 1,
          "type": "string",
        },
        "regex": Object {
          "description": "pattern is a Perl-compatible regular expression (default false: exact text)",
          "type": "boolean",
        },
        "repo": Object {
          "description": "absolute path of a registered repository (default: the one the client works in)",
          "minLength": 1,
          "type": "string",
        },
        "since": Object {
          "description": "only code changed since: a duration (2w, 3d, 6mo) or a date (2025-01-01)",
          "minLength": 1,
          "type": "string",
        },
        "until": Object {
          "description": "only code changed until (same forms; a date means the end of that day)",
          "minLength": 1,
          "type": "string",
        },
      },
      "required": Array [
        "pattern",
      ],
      "type": "object",
    },
    "name": "grep_code",
    "outputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "files": Object {
          "description": "files with a match shown",
          "type": "integer",
        },
        "matches": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "language": Object {
                "type": Array [
                  "string",
                  "null",
                ],
              },
              "line": Object {
                "type": "integer",
              },
              "path": Object {
                "type": "string",
              },
              "text": Object {
                "type": "string",
              },
              "uri": Object {
                "type": "string",
              },
            },
            "required": Array [
              "path",
              "line",
              "text",
              "language",
              "uri",
            ],
            "type": "object",
          },
          "type": "array",
        },
        "repo": Object {
          "type": "string",
        },
        "truncated": Object {
          "description": "more lines matched than shown (limit or budget): narrow with paths or a longer pattern",
          "type": "boolean",
        },
      },
      "required": Array [
        "repo",
        "matches",
        "files",
        "truncated",
      ],
      "type": "object",
    },
    "title": "Grep code (exact text or regex)",
  },
  Object {
    "annotations": Object {
      "destructiveHint": false,
      "idempotentHint": true,
      "openWorldHint": false,
      "readOnlyHint": true,
      "title": "Find symbol definitions",
    },
    "description": "Find where a function, class, method, type or constant is defined, by (part of) its name. Fuzzy: exact > prefix > camel/snake initials (pjc -> parseJsonConfig) > substring. Returns signatures with path:start-end. Use it when you know a name; outline lists one file's symbols; search_code finds code by what it does.",
    "inputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "kind": Object {
          "description": "class, function, method, interface, struct, enum, trait, type, constant, …",
          "minLength": 1,
          "type": "string",
        },
        "limit": Object {
          "description": "max definitions (default 10)",
          "maximum": 100,
          "minimum": 1,
          "type": "integer",
        },
        "name": Object {
          "description": "symbol name or part of it",
          "maxLength": 200,
          "minLength": 1,
          "type": "string",
        },
        "repo": Object {
          "description": "absolute path of a registered repository (default: the one the client works in)",
          "minLength": 1,
          "type": "string",
        },
      },
      "required": Array [
        "name",
      ],
      "type": "object",
    },
    "name": "find_symbol",
    "outputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "symbols": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "container": Object {
                "type": Array [
                  "string",
                  "null",
                ],
              },
              "endLine": Object {
                "type": "integer",
              },
              "kind": Object {
                "type": "string",
              },
              "language": Object {
                "type": "string",
              },
              "match": Object {
                "type": "string",
              },
              "name": Object {
                "type": "string",
              },
              "path": Object {
                "type": "string",
              },
              "repo": Object {
                "type": "string",
              },
              "signature": Object {
                "type": "string",
              },
              "startLine": Object {
                "type": "integer",
              },
              "uri": Object {
                "type": "string",
              },
            },
            "required": Array [
              "repo",
              "name",
              "kind",
              "container",
              "path",
              "startLine",
              "endLine",
              "signature",
              "language",
              "match",
              "uri",
            ],
            "type": "object",
          },
          "type": "array",
        },
      },
      "required": Array [
        "symbols",
      ],
      "type": "object",
    },
    "title": "Find symbol definitions",
  },
  Object {
    "annotations": Object {
      "destructiveHint": false,
      "idempotentHint": true,
      "openWorldHint": false,
      "readOnlyHint": true,
      "title": "File outline",
    },
    "description": "The symbols of one file (classes, functions, methods, types, constants) with their line ranges and signatures, nested by container, as the file is on disk now. Use it to see a file's structure before reading parts of it with get_code.",
    "inputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "path": Object {
          "description": "repo-relative path (or absolute inside a registered repository)",
          "minLength": 1,
          "type": "string",
        },
        "repo": Object {
          "description": "absolute path of a registered repository (default: the one the client works in)",
          "minLength": 1,
          "type": "string",
        },
      },
      "required": Array [
        "path",
      ],
      "type": "object",
    },
    "name": "outline",
    "outputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "language": Object {
          "type": "string",
        },
        "lines": Object {
          "type": "integer",
        },
        "path": Object {
          "type": "string",
        },
        "repo": Object {
          "type": "string",
        },
        "symbols": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "container": Object {
                "type": Array [
                  "string",
                  "null",
                ],
              },
              "endLine": Object {
                "type": "integer",
              },
              "kind": Object {
                "type": "string",
              },
              "name": Object {
                "type": "string",
              },
              "signature": Object {
                "type": "string",
              },
              "startLine": Object {
                "type": "integer",
              },
              "uri": Object {
                "type": "string",
              },
            },
            "required": Array [
              "name",
              "kind",
              "container",
              "startLine",
              "endLine",
              "signature",
              "uri",
            ],
            "type": "object",
          },
          "type": "array",
        },
        "truncated": Object {
          "description": "more than 1000 symbols: the first ones are listed",
          "type": "boolean",
        },
      },
      "required": Array [
        "repo",
        "path",
        "language",
        "lines",
        "truncated",
        "symbols",
      ],
      "type": "object",
    },
    "title": "File outline",
  },
  Object {
    "annotations": Object {
      "destructiveHint": false,
      "idempotentHint": true,
      "openWorldHint": false,
      "readOnlyHint": true,
      "title": "Find references",
    },
    "description": "Every use of a function, method, class or variable (calls, reads, writes, imports, type uses, inheritance) with path:line:column, the enclosing symbol and a confidence. Resolved through imports, the enclosing class, self/this and packages (no type checker). Use it before changing or renaming something.",
    "inputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "kinds": Object {
          "description": "only these kinds of use",
          "items": Object {
            "enum": Array [
              "call",
              "read",
              "write",
              "import",
              "type",
              "inherit",
            ],
            "type": "string",
          },
          "type": "array",
        },
        "max_tokens": Object {
          "description": "output budget in tokens (default 4000)",
          "maximum": 50000,
          "minimum": 200,
          "type": "integer",
        },
        "min_confidence": Object {
          "description": "leave out candidates below this confidence (default 0.4)",
          "maximum": 1,
          "minimum": 0,
          "type": "number",
        },
        "repo": Object {
          "description": "absolute path of a registered repository (default: the one the client works in)",
          "minLength": 1,
          "type": "string",
        },
        "target": Object {
          "description": "\\"path:line\\" (the definition on or around that line), \\"path:line:column\\" (a use there means what it names), or a symbol name (\\"load\\", \\"Store.get\\")",
          "maxLength": 1000,
          "minLength": 1,
          "type": "string",
        },
      },
      "required": Array [
        "target",
      ],
      "type": "object",
    },
    "name": "find_references",
    "outputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "definitions": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "column": Object {
                "type": "integer",
              },
              "kind": Object {
                "type": "string",
              },
              "line": Object {
                "type": "integer",
              },
              "path": Object {
                "type": "string",
              },
              "symbol": Object {
                "type": "string",
              },
            },
            "required": Array [
              "path",
              "line",
              "column",
              "symbol",
              "kind",
            ],
            "type": "object",
          },
          "type": "array",
        },
        "references": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "column": Object {
                "type": "integer",
              },
              "confidence": Object {
                "type": "number",
              },
              "kind": Object {
                "type": "string",
              },
              "line": Object {
                "type": "integer",
              },
              "path": Object {
                "type": "string",
              },
              "symbol": Object {
                "type": Array [
                  "string",
                  "null",
                ],
              },
            },
            "required": Array [
              "path",
              "line",
              "column",
              "kind",
              "symbol",
              "confidence",
            ],
            "type": "object",
          },
          "type": "array",
        },
        "total": Object {
          "description": "references found (the list may be cut to the budget)",
          "type": "integer",
        },
      },
      "required": Array [
        "definitions",
        "references",
        "total",
      ],
      "type": "object",
    },
    "title": "Find references",
  },
  Object {
    "annotations": Object {
      "destructiveHint": false,
      "idempotentHint": true,
      "openWorldHint": false,
      "readOnlyHint": true,
      "title": "Call graph",
    },
    "description": "Who calls a function or method (direction \\"callers\\"), or what it calls (direction \\"callees\\"), to a depth, with the call-site lines and a confidence per edge (the product along a path). Use it to follow code across files; find_references lists every use, not only calls.",
    "inputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "depth": Object {
          "description": "calls away (default 1)",
          "maximum": 5,
          "minimum": 1,
          "type": "integer",
        },
        "direction": Object {
          "description": "default callers",
          "enum": Array [
            "callers",
            "callees",
          ],
          "type": "string",
        },
        "max_tokens": Object {
          "description": "output budget in tokens (default 4000)",
          "maximum": 50000,
          "minimum": 200,
          "type": "integer",
        },
        "min_confidence": Object {
          "description": "leave out candidates below this confidence (default 0.4)",
          "maximum": 1,
          "minimum": 0,
          "type": "number",
        },
        "repo": Object {
          "description": "absolute path of a registered repository (default: the one the client works in)",
          "minLength": 1,
          "type": "string",
        },
        "target": Object {
          "description": "\\"path:line\\" (the definition on or around that line), \\"path:line:column\\" (a use there means what it names), or a symbol name (\\"load\\", \\"Store.get\\")",
          "maxLength": 1000,
          "minLength": 1,
          "type": "string",
        },
      },
      "required": Array [
        "target",
      ],
      "type": "object",
    },
    "name": "call_graph",
    "outputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "definitions": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "column": Object {
                "type": "integer",
              },
              "kind": Object {
                "type": "string",
              },
              "line": Object {
                "type": "integer",
              },
              "path": Object {
                "type": "string",
              },
              "symbol": Object {
                "type": "string",
              },
            },
            "required": Array [
              "path",
              "line",
              "column",
              "symbol",
              "kind",
            ],
            "type": "object",
          },
          "type": "array",
        },
        "direction": Object {
          "enum": Array [
            "callers",
            "callees",
          ],
          "type": "string",
        },
        "nodes": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "confidence": Object {
                "type": "number",
              },
              "depth": Object {
                "type": "integer",
              },
              "kind": Object {
                "type": "string",
              },
              "line": Object {
                "type": "integer",
              },
              "path": Object {
                "type": "string",
              },
              "sites": Object {
                "items": Object {
                  "type": "integer",
                },
                "type": "array",
              },
              "symbol": Object {
                "type": Array [
                  "string",
                  "null",
                ],
              },
              "via": Object {
                "type": "string",
              },
            },
            "required": Array [
              "symbol",
              "path",
              "line",
              "kind",
              "confidence",
              "depth",
              "sites",
              "via",
            ],
            "type": "object",
          },
          "type": "array",
        },
        "total": Object {
          "type": "integer",
        },
      },
      "required": Array [
        "definitions",
        "direction",
        "nodes",
        "total",
      ],
      "type": "object",
    },
    "title": "Call graph",
  },
  Object {
    "annotations": Object {
      "destructiveHint": false,
      "idempotentHint": true,
      "openWorldHint": false,
      "readOnlyHint": true,
      "title": "Change impact",
    },
    "description": "What a change touches: the definitions it changes, their transitive callers, the tests that reach them, and files that historically change together with the changed files, each with a confidence. Give a target (a definition), or a change: \\"working\\" (uncommitted changes vs HEAD), \\"staged\\", or a commit / range (\\"HEAD\\", \\"abc123\\", \\"main..HEAD\\"). Use it before committing or reviewing.",
    "inputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "change": Object {
          "description": "\\"working\\", \\"staged\\", or a commit or range",
          "maxLength": 200,
          "minLength": 1,
          "type": "string",
        },
        "depth": Object {
          "description": "calls away to follow (default 3)",
          "maximum": 5,
          "minimum": 1,
          "type": "integer",
        },
        "max_tokens": Object {
          "description": "output budget in tokens (default 4000)",
          "maximum": 50000,
          "minimum": 200,
          "type": "integer",
        },
        "min_confidence": Object {
          "description": "leave out candidates below this confidence (default 0.4)",
          "maximum": 1,
          "minimum": 0,
          "type": "number",
        },
        "repo": Object {
          "description": "absolute path of a registered repository (default: the one the client works in)",
          "minLength": 1,
          "type": "string",
        },
        "target": Object {
          "description": "a definition (\\"path:line\\" or a symbol name) instead of a change",
          "maxLength": 1000,
          "minLength": 1,
          "type": "string",
        },
      },
      "type": "object",
    },
    "name": "change_impact",
    "outputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "callers": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "confidence": Object {
                "type": "number",
              },
              "depth": Object {
                "type": "integer",
              },
              "kind": Object {
                "type": "string",
              },
              "line": Object {
                "type": "integer",
              },
              "path": Object {
                "type": "string",
              },
              "sites": Object {
                "items": Object {
                  "type": "integer",
                },
                "type": "array",
              },
              "symbol": Object {
                "type": Array [
                  "string",
                  "null",
                ],
              },
              "via": Object {
                "type": "string",
              },
            },
            "required": Array [
              "symbol",
              "path",
              "line",
              "kind",
              "confidence",
              "depth",
              "sites",
              "via",
            ],
            "type": "object",
          },
          "type": "array",
        },
        "changed": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "deleted": Object {
                "type": "boolean",
              },
              "kind": Object {
                "type": "string",
              },
              "line": Object {
                "type": "integer",
              },
              "lines": Object {
                "items": Array [
                  Object {
                    "type": "integer",
                  },
                  Object {
                    "type": "integer",
                  },
                ],
                "maxItems": 2,
                "minItems": 2,
                "type": "array",
              },
              "path": Object {
                "type": "string",
              },
              "symbol": Object {
                "type": "string",
              },
            },
            "required": Array [
              "path",
              "line",
              "symbol",
              "kind",
              "lines",
              "deleted",
            ],
            "type": "object",
          },
          "type": "array",
        },
        "co_change": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "commits": Object {
                "type": "integer",
              },
              "confidence": Object {
                "type": "number",
              },
              "path": Object {
                "type": "string",
              },
              "with": Object {
                "type": "string",
              },
            },
            "required": Array [
              "path",
              "with",
              "commits",
              "confidence",
            ],
            "type": "object",
          },
          "type": "array",
        },
        "source": Object {
          "type": "string",
        },
        "tests": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "confidence": Object {
                "type": "number",
              },
              "depth": Object {
                "type": "integer",
              },
              "path": Object {
                "type": "string",
              },
              "symbol": Object {
                "type": Array [
                  "string",
                  "null",
                ],
              },
            },
            "required": Array [
              "path",
              "symbol",
              "confidence",
              "depth",
            ],
            "type": "object",
          },
          "type": "array",
        },
      },
      "required": Array [
        "source",
        "changed",
        "callers",
        "tests",
        "co_change",
      ],
      "type": "object",
    },
    "title": "Change impact",
  },
  Object {
    "annotations": Object {
      "destructiveHint": false,
      "idempotentHint": true,
      "openWorldHint": false,
      "readOnlyHint": true,
      "title": "List HTTP endpoints",
    },
    "description": "The HTTP endpoints a repository declares (Express/Fastify/Koa/Hono route calls, Flask/FastAPI decorators, Spring mappings, Go net/http and gin): method, path, handler and file:line. Use it to find where a route is served; search_code with tags finds endpoints, database queries or error handling by meaning.",
    "inputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "max_tokens": Object {
          "description": "output budget in tokens (default 4000)",
          "maximum": 50000,
          "minimum": 200,
          "type": "integer",
        },
        "path_prefix": Object {
          "description": "only routes whose path starts with this, e.g. \\"/api\\"",
          "maxLength": 500,
          "minLength": 1,
          "type": "string",
        },
        "repo": Object {
          "description": "absolute path of a registered repository (default: the one the client works in)",
          "minLength": 1,
          "type": "string",
        },
      },
      "type": "object",
    },
    "name": "list_endpoints",
    "outputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "endpoints": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "file": Object {
                "type": "string",
              },
              "handler": Object {
                "type": Array [
                  "string",
                  "null",
                ],
              },
              "line": Object {
                "type": "integer",
              },
              "method": Object {
                "type": "string",
              },
              "path": Object {
                "type": "string",
              },
            },
            "required": Array [
              "method",
              "path",
              "handler",
              "file",
              "line",
            ],
            "type": "object",
          },
          "type": "array",
        },
        "repo": Object {
          "type": "string",
        },
        "total": Object {
          "type": "integer",
        },
      },
      "required": Array [
        "repo",
        "endpoints",
        "total",
      ],
      "type": "object",
    },
    "title": "List HTTP endpoints",
  },
  Object {
    "annotations": Object {
      "destructiveHint": false,
      "idempotentHint": true,
      "openWorldHint": false,
      "readOnlyHint": true,
      "title": "List files",
    },
    "description": "The files contextd indexed in a repository, optionally matching a glob (\\"src/**/*.ts\\", \\"*.py\\") or languages, sorted by path, with language and size. Use it to find where things live; include_skipped also lists files left out of the index (and why).",
    "inputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "cursor": Object {
          "description": "next_cursor of the previous page (same other arguments)",
          "maxLength": 2000,
          "minLength": 1,
          "type": "string",
        },
        "glob": Object {
          "description": "path glob: ** crosses directories, * does not; a glob without / matches the file name anywhere (default: every file)",
          "maxLength": 500,
          "minLength": 1,
          "type": "string",
        },
        "include_skipped": Object {
          "description": "also list files the index skipped (binary, generated, secrets by name, too large), with the reason",
          "type": "boolean",
        },
        "languages": Object {
          "description": "languages to restrict to, e.g. [\\"python\\", \\"typescript\\"]",
          "items": Object {
            "minLength": 1,
            "type": "string",
          },
          "maxItems": 20,
          "type": "array",
        },
        "limit": Object {
          "description": "files per page (default 200)",
          "maximum": 2000,
          "minimum": 1,
          "type": "integer",
        },
        "repo": Object {
          "description": "absolute path of a registered repository (default: the one the client works in)",
          "minLength": 1,
          "type": "string",
        },
      },
      "type": "object",
    },
    "name": "list_files",
    "outputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "files": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "language": Object {
                "type": Array [
                  "string",
                  "null",
                ],
              },
              "path": Object {
                "type": "string",
              },
              "size": Object {
                "type": "integer",
              },
              "skipped": Object {
                "type": Array [
                  "string",
                  "null",
                ],
              },
              "uri": Object {
                "type": "string",
              },
            },
            "required": Array [
              "path",
              "language",
              "size",
              "skipped",
              "uri",
            ],
            "type": "object",
          },
          "type": "array",
        },
        "next_cursor": Object {
          "type": Array [
            "string",
            "null",
          ],
        },
        "repo": Object {
          "type": "string",
        },
        "total": Object {
          "description": "files matching, over all pages",
          "type": "integer",
        },
      },
      "required": Array [
        "repo",
        "total",
        "files",
        "next_cursor",
      ],
      "type": "object",
    },
    "title": "List files",
  },
  Object {
    "annotations": Object {
      "destructiveHint": false,
      "idempotentHint": true,
      "openWorldHint": false,
      "readOnlyHint": true,
      "title": "Get code",
    },
    "description": "Read code from a registered repository: a whole file, a line range (start/end, 1-based inclusive), or a symbol's definition (Cache.invalidate). Returns numbered lines and who last changed them. Use it to read a hit from search_code in full; secrets and files outside the repository are refused.",
    "inputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "end": Object {
          "description": "last line (inclusive)",
          "minimum": 1,
          "type": "integer",
        },
        "max_tokens": Object {
          "description": "output budget in tokens (default 4000)",
          "maximum": 50000,
          "minimum": 200,
          "type": "integer",
        },
        "path": Object {
          "description": "repo-relative path (or absolute inside a registered repository)",
          "minLength": 1,
          "type": "string",
        },
        "repo": Object {
          "description": "absolute path of a registered repository (default: the one the client works in)",
          "minLength": 1,
          "type": "string",
        },
        "start": Object {
          "description": "first line (1-based)",
          "minimum": 1,
          "type": "integer",
        },
        "symbol": Object {
          "description": "a symbol name (e.g. Cache.invalidate) instead of a line range",
          "minLength": 1,
          "type": "string",
        },
      },
      "type": "object",
    },
    "name": "get_code",
    "outputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "endLine": Object {
          "type": "integer",
        },
        "history": Object {
          "anyOf": Array [
            Object {
              "additionalProperties": false,
              "properties": Object {
                "authors": Object {
                  "type": "integer",
                },
                "commits": Object {
                  "type": "integer",
                },
                "lastChange": Object {
                  "anyOf": Array [
                    Object {
                      "additionalProperties": false,
                      "properties": Object {
                        "author": Object {
                          "type": "string",
                        },
                        "date": Object {
                          "type": "string",
                        },
                        "email": Object {
                          "type": "string",
                        },
                        "sha": Object {
                          "type": "string",
                        },
                        "subject": Object {
                          "type": "string",
                        },
                      },
                      "required": Array [
                        "sha",
                        "author",
                        "email",
                        "date",
                        "subject",
                      ],
                      "type": "object",
                    },
                    Object {
                      "type": "null",
                    },
                  ],
                },
                "matched": Object {
                  "items": Object {
                    "additionalProperties": false,
                    "properties": Object {
                      "sha": Object {
                        "type": "string",
                      },
                      "subject": Object {
                        "type": "string",
                      },
                    },
                    "required": Array [
                      "sha",
                      "subject",
                    ],
                    "type": "object",
                  },
                  "type": "array",
                },
                "newest": Object {
                  "type": Array [
                    "string",
                    "null",
                  ],
                },
                "newestAgeDays": Object {
                  "type": Array [
                    "number",
                    "null",
                  ],
                },
                "note": Object {
                  "type": Array [
                    "string",
                    "null",
                  ],
                },
                "oldest": Object {
                  "type": Array [
                    "string",
                    "null",
                  ],
                },
                "oldestAgeDays": Object {
                  "type": Array [
                    "number",
                    "null",
                  ],
                },
                "status": Object {
                  "enum": Array [
                    "blamed",
                    "uncommitted",
                    "pending",
                    "too-large",
                    "failed",
                  ],
                  "type": "string",
                },
                "topAuthors": Object {
                  "items": Object {
                    "type": "string",
                  },
                  "type": "array",
                },
                "truncated": Object {
                  "type": "boolean",
                },
                "uncommittedLines": Object {
                  "type": "integer",
                },
              },
              "required": Array [
                "status",
                "note",
                "lastChange",
                "authors",
                "topAuthors",
                "commits",
                "uncommittedLines",
                "oldest",
                "newest",
                "oldestAgeDays",
                "newestAgeDays",
                "truncated",
              ],
              "type": "object",
            },
            Object {
              "type": "null",
            },
          ],
        },
        "path": Object {
          "type": "string",
        },
        "repo": Object {
          "type": "string",
        },
        "startLine": Object {
          "type": "integer",
        },
        "text": Object {
          "type": "string",
        },
        "truncated": Object {
          "description": "stopped before the end of the range to fit the budget",
          "type": "boolean",
        },
        "uri": Object {
          "type": "string",
        },
      },
      "required": Array [
        "repo",
        "path",
        "startLine",
        "endLine",
        "truncated",
        "text",
        "history",
        "uri",
      ],
      "type": "object",
    },
    "title": "Get code",
  },
  Object {
    "annotations": Object {
      "destructiveHint": false,
      "idempotentHint": true,
      "openWorldHint": false,
      "readOnlyHint": true,
      "title": "Code history",
    },
    "description": "Why code is the way it is: the commits that shaped a line range, a symbol or a file, newest first (sha, author, date, subject, the lines each still owns: git blame). Use it on code you are about to change; search_history finds when something was added or removed anywhere.",
    "inputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "end": Object {
          "description": "last line (inclusive)",
          "minimum": 1,
          "type": "integer",
        },
        "limit": Object {
          "description": "most commits listed (default 15)",
          "maximum": 100,
          "minimum": 1,
          "type": "integer",
        },
        "path": Object {
          "description": "repo-relative path (or absolute inside a registered repository)",
          "minLength": 1,
          "type": "string",
        },
        "repo": Object {
          "description": "absolute path of a registered repository (default: the one the client works in)",
          "minLength": 1,
          "type": "string",
        },
        "start": Object {
          "description": "first line (1-based)",
          "minimum": 1,
          "type": "integer",
        },
        "symbol": Object {
          "description": "a symbol in that file (e.g. Cache.invalidate) instead of a range",
          "minLength": 1,
          "type": "string",
        },
      },
      "required": Array [
        "path",
      ],
      "type": "object",
    },
    "name": "code_history",
    "outputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "commits": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "author": Object {
                "type": Array [
                  "string",
                  "null",
                ],
              },
              "body": Object {
                "type": "string",
              },
              "date": Object {
                "type": Array [
                  "string",
                  "null",
                ],
              },
              "email": Object {
                "type": Array [
                  "string",
                  "null",
                ],
              },
              "lines": Object {
                "type": "integer",
              },
              "ranges": Object {
                "items": Object {
                  "items": Array [
                    Object {
                      "type": "integer",
                    },
                    Object {
                      "type": "integer",
                    },
                  ],
                  "maxItems": 2,
                  "minItems": 2,
                  "type": "array",
                },
                "type": "array",
              },
              "sha": Object {
                "description": "null: lines not committed yet",
                "type": Array [
                  "string",
                  "null",
                ],
              },
              "subject": Object {
                "type": "string",
              },
            },
            "required": Array [
              "sha",
              "author",
              "email",
              "date",
              "subject",
              "body",
              "lines",
              "ranges",
            ],
            "type": "object",
          },
          "type": "array",
        },
        "endLine": Object {
          "type": "integer",
        },
        "fileCommits": Object {
          "type": "integer",
        },
        "formerNames": Object {
          "items": Object {
            "type": "string",
          },
          "type": "array",
        },
        "path": Object {
          "type": "string",
        },
        "repo": Object {
          "type": "string",
        },
        "startLine": Object {
          "type": "integer",
        },
        "summary": Object {
          "additionalProperties": false,
          "properties": Object {
            "authors": Object {
              "type": "integer",
            },
            "commits": Object {
              "type": "integer",
            },
            "lastChange": Object {
              "anyOf": Array [
                Object {
                  "additionalProperties": false,
                  "properties": Object {
                    "author": Object {
                      "type": "string",
                    },
                    "date": Object {
                      "type": "string",
                    },
                    "email": Object {
                      "type": "string",
                    },
                    "sha": Object {
                      "type": "string",
                    },
                    "subject": Object {
                      "type": "string",
                    },
                  },
                  "required": Array [
                    "sha",
                    "author",
                    "email",
                    "date",
                    "subject",
                  ],
                  "type": "object",
                },
                Object {
                  "type": "null",
                },
              ],
            },
            "matched": Object {
              "items": Object {
                "additionalProperties": false,
                "properties": Object {
                  "sha": Object {
                    "type": "string",
                  },
                  "subject": Object {
                    "type": "string",
                  },
                },
                "required": Array [
                  "sha",
                  "subject",
                ],
                "type": "object",
              },
              "type": "array",
            },
            "newest": Object {
              "type": Array [
                "string",
                "null",
              ],
            },
            "newestAgeDays": Object {
              "type": Array [
                "number",
                "null",
              ],
            },
            "note": Object {
              "type": Array [
                "string",
                "null",
              ],
            },
            "oldest": Object {
              "type": Array [
                "string",
                "null",
              ],
            },
            "oldestAgeDays": Object {
              "type": Array [
                "number",
                "null",
              ],
            },
            "status": Object {
              "enum": Array [
                "blamed",
                "uncommitted",
                "pending",
                "too-large",
                "failed",
              ],
              "type": "string",
            },
            "topAuthors": Object {
              "items": Object {
                "type": "string",
              },
              "type": "array",
            },
            "truncated": Object {
              "type": "boolean",
            },
            "uncommittedLines": Object {
              "type": "integer",
            },
          },
          "required": Array [
            "status",
            "note",
            "lastChange",
            "authors",
            "topAuthors",
            "commits",
            "uncommittedLines",
            "oldest",
            "newest",
            "oldestAgeDays",
            "newestAgeDays",
            "truncated",
          ],
          "type": "object",
        },
        "symbol": Object {
          "type": Array [
            "string",
            "null",
          ],
        },
      },
      "required": Array [
        "repo",
        "path",
        "startLine",
        "endLine",
        "symbol",
        "summary",
        "commits",
        "fileCommits",
        "formerNames",
      ],
      "type": "object",
    },
    "title": "Code history",
  },
  Object {
    "annotations": Object {
      "destructiveHint": false,
      "idempotentHint": true,
      "openWorldHint": false,
      "readOnlyHint": true,
      "title": "Search commit history",
    },
    "description": "Find commits by their messages or by what their diffs added or removed (a pickaxe): \\"when was retryUpload added or removed\\", \\"which commit mentioned the cache race\\". Returns commits newest first with the changed lines that hold the text. Use code_history for the history of one piece of code.",
    "inputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "author": Object {
          "description": "only code whose lines were last changed by this author (name or email, substring)",
          "minLength": 1,
          "type": "string",
        },
        "ignore_case": Object {
          "type": "boolean",
        },
        "in": Object {
          "description": "commit messages, added/removed code, or both (default)",
          "enum": Array [
            "messages",
            "diffs",
            "both",
          ],
          "type": "string",
        },
        "limit": Object {
          "description": "most commits (default 20)",
          "maximum": 100,
          "minimum": 1,
          "type": "integer",
        },
        "max_tokens": Object {
          "description": "output budget in tokens (default 4000)",
          "maximum": 50000,
          "minimum": 200,
          "type": "integer",
        },
        "paths": Object {
          "description": "only commits touching these repo-relative files or directories",
          "items": Object {
            "minLength": 1,
            "type": "string",
          },
          "maxItems": 50,
          "type": "array",
        },
        "query": Object {
          "description": "text to look for (exact), or a regular expression with regex=true",
          "maxLength": 500,
          "minLength": 1,
          "type": "string",
        },
        "regex": Object {
          "description": "query is a regular expression (Perl syntax for messages, POSIX extended for diffs)",
          "type": "boolean",
        },
        "repo": Object {
          "description": "absolute path of a registered repository (default: the one the client works in)",
          "minLength": 1,
          "type": "string",
        },
        "since": Object {
          "description": "commits since: a duration (2w, 6mo) or a date (2025-01-01)",
          "minLength": 1,
          "type": "string",
        },
        "until": Object {
          "description": "commits until (same forms)",
          "minLength": 1,
          "type": "string",
        },
      },
      "required": Array [
        "query",
      ],
      "type": "object",
    },
    "name": "search_history",
    "outputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "commits": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "author": Object {
                "type": "string",
              },
              "date": Object {
                "type": "string",
              },
              "email": Object {
                "type": "string",
              },
              "files": Object {
                "items": Object {
                  "type": "string",
                },
                "type": "array",
              },
              "lines": Object {
                "items": Object {
                  "additionalProperties": false,
                  "properties": Object {
                    "path": Object {
                      "type": "string",
                    },
                    "sign": Object {
                      "enum": Array [
                        "+",
                        "-",
                      ],
                      "type": "string",
                    },
                    "text": Object {
                      "type": "string",
                    },
                  },
                  "required": Array [
                    "path",
                    "sign",
                    "text",
                  ],
                  "type": "object",
                },
                "type": "array",
              },
              "matched": Object {
                "items": Object {
                  "enum": Array [
                    "message",
                    "diff",
                  ],
                  "type": "string",
                },
                "type": "array",
              },
              "sha": Object {
                "type": "string",
              },
              "subject": Object {
                "type": "string",
              },
            },
            "required": Array [
              "sha",
              "author",
              "email",
              "date",
              "subject",
              "files",
              "lines",
              "matched",
            ],
            "type": "object",
          },
          "type": "array",
        },
        "repo": Object {
          "type": "string",
        },
      },
      "required": Array [
        "repo",
        "commits",
      ],
      "type": "object",
    },
    "title": "Search commit history",
  },
  Object {
    "annotations": Object {
      "destructiveHint": false,
      "idempotentHint": true,
      "openWorldHint": false,
      "readOnlyHint": true,
      "title": "Recent changes",
    },
    "description": "What changed recently in a repository, by file and by symbol, with commit subjects. since/until take durations (1w, 3d, 6mo) or dates (2025-01-01); default: the last week. Use it to catch up on a codebase or find what broke; search_history finds one change by its content.",
    "inputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "author": Object {
          "description": "only code whose lines were last changed by this author (name or email, substring)",
          "minLength": 1,
          "type": "string",
        },
        "max_tokens": Object {
          "description": "output budget in tokens (default 4000)",
          "maximum": 50000,
          "minimum": 200,
          "type": "integer",
        },
        "paths": Object {
          "description": "only files under these repo-relative paths or prefixes",
          "items": Object {
            "minLength": 1,
            "type": "string",
          },
          "maxItems": 50,
          "type": "array",
        },
        "repo": Object {
          "description": "absolute path of a registered repository (default: the one the client works in)",
          "minLength": 1,
          "type": "string",
        },
        "since": Object {
          "description": "start of the window (default 1w)",
          "minLength": 1,
          "type": "string",
        },
        "until": Object {
          "description": "end of the window (default now)",
          "minLength": 1,
          "type": "string",
        },
      },
      "type": "object",
    },
    "name": "recent_changes",
    "outputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "commits": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "author": Object {
                "type": "string",
              },
              "date": Object {
                "type": "string",
              },
              "email": Object {
                "type": "string",
              },
              "sha": Object {
                "type": "string",
              },
              "subject": Object {
                "type": "string",
              },
            },
            "required": Array [
              "sha",
              "author",
              "email",
              "date",
              "subject",
            ],
            "type": "object",
          },
          "type": "array",
        },
        "files": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "commits": Object {
                "items": Object {
                  "$ref": "#/properties/commits/items",
                },
                "type": "array",
              },
              "exists": Object {
                "type": "boolean",
              },
              "oldPath": Object {
                "type": Array [
                  "string",
                  "null",
                ],
              },
              "path": Object {
                "type": "string",
              },
              "status": Object {
                "type": "string",
              },
              "symbols": Object {
                "items": Object {
                  "additionalProperties": false,
                  "properties": Object {
                    "commits": Object {
                      "items": Object {
                        "type": "string",
                      },
                      "type": "array",
                    },
                    "endLine": Object {
                      "type": "integer",
                    },
                    "kind": Object {
                      "type": "string",
                    },
                    "lines": Object {
                      "type": "integer",
                    },
                    "startLine": Object {
                      "type": "integer",
                    },
                    "symbol": Object {
                      "type": Array [
                        "string",
                        "null",
                      ],
                    },
                  },
                  "required": Array [
                    "symbol",
                    "kind",
                    "startLine",
                    "endLine",
                    "lines",
                    "commits",
                  ],
                  "type": "object",
                },
                "type": "array",
              },
            },
            "required": Array [
              "path",
              "status",
              "oldPath",
              "exists",
              "commits",
              "symbols",
            ],
            "type": "object",
          },
          "type": "array",
        },
        "repo": Object {
          "type": "string",
        },
        "since": Object {
          "type": Array [
            "string",
            "null",
          ],
        },
        "truncated": Object {
          "description": "more commits matched than were read",
          "type": "boolean",
        },
        "until": Object {
          "type": Array [
            "string",
            "null",
          ],
        },
      },
      "required": Array [
        "repo",
        "since",
        "until",
        "commits",
        "files",
        "truncated",
      ],
      "type": "object",
    },
    "title": "Recent changes",
  },
  Object {
    "annotations": Object {
      "destructiveHint": false,
      "idempotentHint": true,
      "openWorldHint": false,
      "readOnlyHint": true,
      "title": "Related files",
    },
    "description": "Files that usually change together with a given file (co-change in git history): shared commits and a confidence (share of the file’s commits that also changed the other). Use it before editing a file, to find what else to update or read (tests, schemas, callers).",
    "inputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "limit": Object {
          "description": "most files listed (default 15)",
          "maximum": 100,
          "minimum": 1,
          "type": "integer",
        },
        "path": Object {
          "description": "repo-relative path (or absolute inside a registered repository)",
          "minLength": 1,
          "type": "string",
        },
        "repo": Object {
          "description": "absolute path of a registered repository (default: the one the client works in)",
          "minLength": 1,
          "type": "string",
        },
      },
      "required": Array [
        "path",
      ],
      "type": "object",
    },
    "name": "related_files",
    "outputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "commits": Object {
          "type": "integer",
        },
        "formerNames": Object {
          "items": Object {
            "type": "string",
          },
          "type": "array",
        },
        "ignoredCommits": Object {
          "description": "commits left out: they changed more than maxFiles files",
          "type": "integer",
        },
        "maxFiles": Object {
          "type": "integer",
        },
        "path": Object {
          "type": "string",
        },
        "related": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "confidence": Object {
                "type": "number",
              },
              "count": Object {
                "type": "integer",
              },
              "exists": Object {
                "type": "boolean",
              },
              "path": Object {
                "type": "string",
              },
            },
            "required": Array [
              "path",
              "count",
              "confidence",
              "exists",
            ],
            "type": "object",
          },
          "type": "array",
        },
        "repo": Object {
          "type": "string",
        },
      },
      "required": Array [
        "repo",
        "path",
        "formerNames",
        "commits",
        "ignoredCommits",
        "maxFiles",
        "related",
      ],
      "type": "object",
    },
    "title": "Related files",
  },
  Object {
    "annotations": Object {
      "destructiveHint": false,
      "idempotentHint": true,
      "openWorldHint": false,
      "readOnlyHint": true,
      "title": "Locate a change",
    },
    "description": "Which files a described change would touch (a bug report, a task, a commit subject): ranked files, each with why (matching code path:lines, similar past commits that changed it, co-change partners, recency), sources and their tests told apart. The ranking is learned from this repository’s own history. Use it before editing, to know where to start.",
    "inputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "description": Object {
          "description": "the change, in words",
          "maxLength": 2000,
          "minLength": 1,
          "type": "string",
        },
        "limit": Object {
          "description": "most files listed (default 10)",
          "maximum": 50,
          "minimum": 1,
          "type": "integer",
        },
        "repo": Object {
          "description": "absolute path of a registered repository (default: the one the client works in)",
          "minLength": 1,
          "type": "string",
        },
      },
      "required": Array [
        "description",
      ],
      "type": "object",
    },
    "name": "locate_change",
    "outputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "files": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "paired": Object {
                "description": "tests of a source file, sources of a test file",
                "items": Object {
                  "type": "string",
                },
                "type": "array",
              },
              "path": Object {
                "type": "string",
              },
              "reasons": Object {
                "items": Object {
                  "type": "string",
                },
                "type": "array",
              },
              "role": Object {
                "enum": Array [
                  "source",
                  "test",
                ],
                "type": "string",
              },
              "score": Object {
                "type": "number",
              },
              "signals": Object {
                "additionalProperties": false,
                "properties": Object {
                  "chunks": Object {
                    "type": "number",
                  },
                  "churn": Object {
                    "type": "number",
                  },
                  "cochange": Object {
                    "type": "number",
                  },
                  "commits": Object {
                    "type": "number",
                  },
                  "lexical": Object {
                    "type": "number",
                  },
                  "path": Object {
                    "type": "number",
                  },
                  "recency": Object {
                    "type": "number",
                  },
                },
                "required": Array [
                  "lexical",
                  "path",
                  "chunks",
                  "commits",
                  "cochange",
                  "recency",
                  "churn",
                ],
                "type": "object",
              },
            },
            "required": Array [
              "path",
              "score",
              "role",
              "paired",
              "reasons",
              "signals",
            ],
            "type": "object",
          },
          "type": "array",
        },
        "freshness": Object {
          "anyOf": Array [
            Object {
              "additionalProperties": false,
              "properties": Object {
                "changedFiles": Object {
                  "items": Object {
                    "type": "string",
                  },
                  "type": "array",
                },
                "changedTruncated": Object {
                  "type": "boolean",
                },
                "fresh": Object {
                  "type": "boolean",
                },
                "head": Object {
                  "type": Array [
                    "string",
                    "null",
                  ],
                },
                "headMatches": Object {
                  "type": "boolean",
                },
                "indexedCommit": Object {
                  "type": Array [
                    "string",
                    "null",
                  ],
                },
                "pendingJobs": Object {
                  "type": "integer",
                },
                "repo": Object {
                  "type": "string",
                },
                "vectors": Object {
                  "additionalProperties": false,
                  "properties": Object {
                    "embedded": Object {
                      "type": "integer",
                    },
                    "total": Object {
                      "type": "integer",
                    },
                  },
                  "required": Array [
                    "embedded",
                    "total",
                  ],
                  "type": "object",
                },
              },
              "required": Array [
                "repo",
                "indexedCommit",
                "head",
                "fresh",
                "headMatches",
                "changedFiles",
                "changedTruncated",
                "pendingJobs",
              ],
              "type": "object",
            },
            Object {
              "type": "null",
            },
          ],
        },
        "model": Object {
          "additionalProperties": false,
          "properties": Object {
            "reason": Object {
              "type": "string",
            },
            "replayedCommits": Object {
              "type": "integer",
            },
            "retraining": Object {
              "description": "new weights are being learned in the background: a later call ranks with them",
              "type": "boolean",
            },
            "source": Object {
              "enum": Array [
                "learned",
                "defaults",
              ],
              "type": "string",
            },
            "trainedCommit": Object {
              "type": Array [
                "string",
                "null",
              ],
            },
          },
          "required": Array [
            "source",
            "reason",
            "trainedCommit",
            "replayedCommits",
            "retraining",
          ],
          "type": "object",
        },
        "repo": Object {
          "type": "string",
        },
      },
      "required": Array [
        "repo",
        "files",
        "model",
        "freshness",
      ],
      "type": "object",
    },
    "title": "Locate a change",
  },
  Object {
    "annotations": Object {
      "destructiveHint": false,
      "idempotentHint": true,
      "openWorldHint": false,
      "readOnlyHint": true,
      "title": "Index status",
    },
    "description": "What contextd has indexed: each registered repository with its indexed commit vs HEAD, files, chunks, symbols, queued work and errors, plus backend health. Use it when results look stale or missing, or to find the repository paths to pass as repo.",
    "inputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {},
      "type": "object",
    },
    "name": "index_status",
    "outputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "backends": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "detail": Object {
                "type": "string",
              },
              "fix": Object {
                "type": "string",
              },
              "healthy": Object {
                "type": "boolean",
              },
              "kind": Object {
                "type": "string",
              },
              "name": Object {
                "type": "string",
              },
              "state": Object {
                "type": "string",
              },
            },
            "required": Array [
              "name",
              "kind",
              "healthy",
              "detail",
            ],
            "type": "object",
          },
          "type": "array",
        },
        "healthy": Object {
          "type": "boolean",
        },
        "queue": Object {
          "additionalProperties": false,
          "properties": Object {
            "pending": Object {
              "type": "integer",
            },
            "running": Object {
              "type": "integer",
            },
          },
          "required": Array [
            "pending",
            "running",
          ],
          "type": "object",
        },
        "repos": Object {
          "items": Object {
            "additionalProperties": false,
            "properties": Object {
              "chunks": Object {
                "type": "integer",
              },
              "files": Object {
                "type": "integer",
              },
              "head": Object {
                "type": Array [
                  "string",
                  "null",
                ],
              },
              "indexedCommit": Object {
                "type": Array [
                  "string",
                  "null",
                ],
              },
              "lastError": Object {
                "type": Array [
                  "string",
                  "null",
                ],
              },
              "name": Object {
                "type": "string",
              },
              "pendingJobs": Object {
                "type": "integer",
              },
              "progress": Object {
                "anyOf": Array [
                  Object {
                    "additionalProperties": false,
                    "properties": Object {
                      "done": Object {
                        "type": "integer",
                      },
                      "phase": Object {
                        "type": "string",
                      },
                      "total": Object {
                        "type": "integer",
                      },
                    },
                    "required": Array [
                      "phase",
                      "done",
                      "total",
                    ],
                    "type": "object",
                  },
                  Object {
                    "type": "null",
                  },
                ],
              },
              "registered": Object {
                "type": "boolean",
              },
              "root": Object {
                "type": "string",
              },
              "state": Object {
                "type": "string",
              },
              "symbols": Object {
                "type": "integer",
              },
              "upToDate": Object {
                "type": "boolean",
              },
            },
            "required": Array [
              "root",
              "name",
              "registered",
              "state",
              "indexedCommit",
              "head",
              "upToDate",
              "files",
              "chunks",
              "symbols",
              "pendingJobs",
              "progress",
              "lastError",
            ],
            "type": "object",
          },
          "type": "array",
        },
        "uptimeMs": Object {
          "type": "number",
        },
        "version": Object {
          "type": "string",
        },
      },
      "required": Array [
        "version",
        "healthy",
        "uptimeMs",
        "queue",
        "backends",
        "repos",
      ],
      "type": "object",
    },
    "title": "Index status",
  },
  Object {
    "annotations": Object {
      "destructiveHint": false,
      "idempotentHint": true,
      "openWorldHint": false,
      "readOnlyHint": true,
      "title": "Effective configuration",
    },
    "description": "The configuration the daemon runs with (file, environment and defaults merged): paths, index limits, search, history, store, cache, embedding and ask settings, with credentials redacted. Use it to explain why something is indexed, skipped or slow.",
    "inputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {},
      "type": "object",
    },
    "name": "get_config",
    "outputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "config": Object {
          "additionalProperties": Object {},
          "description": "every section, secrets redacted",
          "type": "object",
        },
        "configFile": Object {
          "type": Array [
            "string",
            "null",
          ],
        },
      },
      "required": Array [
        "configFile",
        "config",
      ],
      "type": "object",
    },
    "title": "Effective configuration",
  },
  Object {
    "annotations": Object {
      "destructiveHint": false,
      "idempotentHint": true,
      "openWorldHint": false,
      "readOnlyHint": false,
      "title": "Reindex",
    },
    "description": "Refresh the index of a repository (or some paths) now. Rarely needed: git hooks and file events keep it fresh; use it when index_status says stale or after bulk edits outside git. wait=true waits for the run, with progress notifications; cancelling stops the run (its work stays queued).",
    "inputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "paths": Object {
          "description": "repo-relative paths to refresh (default: the whole tree)",
          "items": Object {
            "minLength": 1,
            "type": "string",
          },
          "maxItems": 1000,
          "type": "array",
        },
        "repo": Object {
          "description": "absolute path of a registered repository (default: the one the client works in)",
          "minLength": 1,
          "type": "string",
        },
        "timeout_seconds": Object {
          "description": "with wait: longest wait (default 300); the run goes on after it",
          "maximum": 3600,
          "minimum": 1,
          "type": "integer",
        },
        "wait": Object {
          "description": "wait until the repository is indexed (default false: queue and return)",
          "type": "boolean",
        },
      },
      "type": "object",
    },
    "name": "reindex",
    "outputSchema": Object {
      "$schema": "http://json-schema.org/draft-07/schema#",
      "additionalProperties": false,
      "properties": Object {
        "done": Object {
          "description": "nothing is queued or running for the repository any more",
          "type": "boolean",
        },
        "lastError": Object {
          "type": Array [
            "string",
            "null",
          ],
        },
        "paths": Object {
          "anyOf": Array [
            Object {
              "items": Object {
                "type": "string",
              },
              "type": "array",
            },
            Object {
              "type": "null",
            },
          ],
        },
        "queued": Object {
          "type": "boolean",
        },
        "repo": Object {
          "type": "string",
        },
        "waited": Object {
          "type": "boolean",
        },
      },
      "required": Array [
        "queued",
        "repo",
        "paths",
        "waited",
        "done",
        "lastError",
      ],
      "type": "object",
    },
    "title": "Reindex",
  },
]
`
