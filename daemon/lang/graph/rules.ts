/**
 * Per-language node tables for the graph extractor: which nodes are names, calls,
 * member accesses, scopes, binding slots and definition names. The walk itself is
 * shared (extract-graph.ts); a language is only these tables plus its import reader.
 */
export interface GraphRules {
  /** Node types that name something (a possible reference). */
  names: ReadonlySet<string>;
  /** Name node types that always denote a type. */
  typeNames: ReadonlySet<string>;
  /** Member access: node type -> [receiver field, member field] (`a.b`, `a::b`, `pkg.T`). */
  members: Readonly<Record<string, readonly [string | null, string]>>;
  /** Call-like node type -> the field holding what is called. */
  calls: Readonly<Record<string, string>>;
  /** Nodes that open a function scope (their parameters and locals shadow module names). */
  functions: ReadonlySet<string>;
  /** `type.field` of a definition's own name: not a reference. */
  defNames: ReadonlySet<string>;
  /** `type.field` (or `type.*`: every child) whose names are declared here. */
  declSlots: ReadonlySet<string>;
  /** `type.field` whose names are assigned (a write, and a binding in a function). */
  assignSlots: ReadonlySet<string>;
  /** Fields below a binding slot that hold expressions again (defaults, types, values). */
  exprFields: ReadonlySet<string>;
  /** `type.field` of names that are labels, not uses (keyword arguments, object keys). */
  skip: ReadonlySet<string>;
  /** Node types whose subtree is a type (kind `type`). */
  typeContexts: ReadonlySet<string>;
  /** Fields that hold a type (kind `type`). */
  typeFields: ReadonlySet<string>;
  /** `type.field` or node types whose names are inherited from (kind `inherit`). */
  inherit: ReadonlySet<string>;
  /** Receiver names meaning the current object. */
  selfNames: ReadonlySet<string>;
  /** Import statements (read by imports.ts) and package declarations. */
  importNodes: ReadonlySet<string>;
}

const set = (...xs: string[]): ReadonlySet<string> => new Set(xs);

const python: GraphRules = {
  names: set('identifier'),
  typeNames: set(),
  members: { attribute: ['object', 'attribute'] },
  calls: { call: 'function', decorator: '*' },
  functions: set('function_definition', 'lambda'),
  defNames: set('function_definition.name', 'class_definition.name'),
  declSlots: set('parameters.*', 'lambda_parameters.*', 'for_statement.left', 'for_in_clause.left', 'as_pattern.alias'),
  assignSlots: set('assignment.left', 'augmented_assignment.left', 'named_expression.name'),
  exprFields: set('value', 'type', 'right', 'default'),
  skip: set('keyword_argument.name'),
  typeContexts: set('type'),
  typeFields: set('return_type'),
  inherit: set('class_definition.superclasses'),
  selfNames: set('self', 'cls'),
  importNodes: set('import_statement', 'import_from_statement', 'future_import_statement'),
};

const ecmaFunctions = set(
  'function_declaration',
  'function_expression',
  'function',
  'arrow_function',
  'method_definition',
  'generator_function',
  'generator_function_declaration',
);

const javascript: GraphRules = {
  names: set(
    'identifier',
    'property_identifier',
    'shorthand_property_identifier',
    'private_property_identifier',
    'shorthand_property_identifier_pattern',
    'type_identifier',
  ),
  typeNames: set('type_identifier'),
  members: { member_expression: ['object', 'property'], nested_type_identifier: ['module', 'name'], nested_identifier: ['object', 'property'] },
  calls: { call_expression: 'function', new_expression: 'constructor', jsx_opening_element: 'name', jsx_self_closing_element: 'name', decorator: '*' },
  functions: ecmaFunctions,
  defNames: set(
    'function_declaration.name',
    'generator_function_declaration.name',
    'function_expression.name',
    'class_declaration.name',
    'abstract_class_declaration.name',
    'class.name',
    'method_definition.name',
    'interface_declaration.name',
    'type_alias_declaration.name',
    'enum_declaration.name',
    'public_field_definition.name',
    'field_definition.property',
    'method_signature.name',
    'abstract_method_signature.name',
    'property_signature.name',
    'module.name',
    'internal_module.name',
    'type_parameter.name',
    'enum_assignment.name',
    'enum_body.*',
  ),
  declSlots: set('formal_parameters.*', 'arrow_function.parameter', 'variable_declarator.name', 'catch_clause.parameter', 'for_in_statement.left'),
  assignSlots: set('assignment_expression.left', 'augmented_assignment_expression.left'),
  exprFields: set('value', 'type', 'right', 'default'),
  skip: set(
    'pair.key',
    'jsx_attribute.*',
    'labeled_statement.label',
    'break_statement.label',
    'continue_statement.label',
    'pair_pattern.key',
    'required_parameter.accessibility_modifier',
  ),
  typeContexts: set('type_annotation', 'type_arguments', 'implements_clause', 'extends_type_clause', 'constraint', 'type_alias_declaration'),
  typeFields: set('return_type', 'type'),
  inherit: set('class_heritage', 'extends_type_clause'),
  selfNames: set('this', 'super'),
  importNodes: set('import_statement'),
};

const go: GraphRules = {
  names: set('identifier', 'field_identifier', 'type_identifier', 'package_identifier'),
  typeNames: set('type_identifier'),
  members: { selector_expression: ['operand', 'field'], qualified_type: ['package', 'name'] },
  calls: { call_expression: 'function', composite_literal: 'type' },
  functions: set('function_declaration', 'method_declaration', 'func_literal'),
  defNames: set(
    'function_declaration.name',
    'method_declaration.name',
    'type_spec.name',
    'type_alias.name',
    'field_declaration.name',
    'method_elem.name',
    'type_parameter_declaration.name',
  ),
  declSlots: set(
    'parameter_declaration.name',
    'variadic_parameter_declaration.name',
    'short_var_declaration.left',
    'var_spec.name',
    'const_spec.name',
    'range_clause.left',
  ),
  assignSlots: set('assignment_statement.left', 'inc_statement.*', 'dec_statement.*'),
  exprFields: set('value', 'type', 'right'),
  skip: set('labeled_statement.label', 'keyed_element.key'),
  typeContexts: set('type_arguments', 'struct_type', 'interface_type', 'pointer_type', 'slice_type', 'map_type', 'array_type', 'channel_type', 'function_type'),
  typeFields: set('type', 'result'),
  inherit: set(),
  selfNames: set(),
  importNodes: set('import_declaration', 'package_clause'),
};

const java: GraphRules = {
  names: set('identifier', 'type_identifier'),
  typeNames: set('type_identifier'),
  members: { method_invocation: ['object', 'name'], field_access: ['object', 'field'], scoped_type_identifier: [null, 'name'] },
  calls: { method_invocation: 'name', object_creation_expression: 'type', explicit_constructor_invocation: 'constructor' },
  functions: set('method_declaration', 'constructor_declaration', 'lambda_expression', 'compact_constructor_declaration'),
  defNames: set(
    'class_declaration.name',
    'interface_declaration.name',
    'enum_declaration.name',
    'record_declaration.name',
    'method_declaration.name',
    'constructor_declaration.name',
    'annotation_type_declaration.name',
    'enum_constant.name',
    'type_parameter.*',
  ),
  declSlots: set(
    'formal_parameter.name',
    'spread_parameter.*',
    'variable_declarator.name',
    'catch_formal_parameter.name',
    'enhanced_for_statement.name',
    'lambda_expression.parameters',
    'inferred_parameters.*',
  ),
  assignSlots: set('assignment_expression.left', 'update_expression.*'),
  exprFields: set('value', 'type', 'right', 'dimensions'),
  skip: set('labeled_statement.*', 'element_value_pair.key'),
  typeContexts: set('type_arguments', 'type_list', 'throws'),
  typeFields: set('type'),
  inherit: set('superclass', 'super_interfaces', 'extends_interfaces'),
  selfNames: set('this', 'super'),
  importNodes: set('import_declaration', 'package_declaration'),
};

const rust: GraphRules = {
  names: set('identifier', 'field_identifier', 'type_identifier'),
  typeNames: set('type_identifier'),
  members: { field_expression: ['value', 'field'], scoped_identifier: ['path', 'name'], scoped_type_identifier: ['path', 'name'] },
  calls: { call_expression: 'function', macro_invocation: 'macro', struct_expression: 'name' },
  functions: set('function_item', 'closure_expression'),
  defNames: set(
    'function_item.name',
    'function_signature_item.name',
    'struct_item.name',
    'enum_item.name',
    'union_item.name',
    'trait_item.name',
    'type_item.name',
    'mod_item.name',
    'const_item.name',
    'static_item.name',
    'macro_definition.name',
    'field_declaration.name',
    'enum_variant.name',
    'type_parameters.*',
    'lifetime.*',
  ),
  declSlots: set('parameter.pattern', 'let_declaration.pattern', 'closure_parameters.*', 'for_expression.pattern', 'match_pattern.*', 'let_condition.pattern'),
  assignSlots: set('assignment_expression.left', 'compound_assignment_expr.left'),
  exprFields: set('value', 'type', 'right'),
  skip: set('field_initializer.field', 'shorthand_field_initializer.*', 'label.*', 'attribute_item.*', 'inner_attribute_item.*', 'field_pattern.name'),
  typeContexts: set(
    'type_arguments',
    'reference_type',
    'generic_type',
    'pointer_type',
    'array_type',
    'tuple_type',
    'function_type',
    'bounded_type',
    'trait_bounds',
  ),
  typeFields: set('type', 'return_type'),
  inherit: set('impl_item.trait'),
  selfNames: set('self', 'Self'),
  importNodes: set('use_declaration', 'extern_crate_declaration'),
};

/** C and C++, best effort: no module system, so resolution leans on includes and the same file. */
const cfamily: GraphRules = {
  names: set('identifier', 'field_identifier', 'type_identifier'),
  typeNames: set('type_identifier'),
  members: { field_expression: ['argument', 'field'], qualified_identifier: ['scope', 'name'] },
  calls: { call_expression: 'function', new_expression: 'type' },
  functions: set('function_definition', 'lambda_expression'),
  defNames: set(
    'function_declarator.declarator',
    'struct_specifier.name',
    'class_specifier.name',
    'union_specifier.name',
    'enum_specifier.name',
    'type_definition.declarator',
    'field_declaration.declarator',
    'enumerator.name',
    'namespace_definition.name',
    'preproc_def.name',
    'preproc_function_def.name',
  ),
  declSlots: set(
    'parameter_declaration.declarator',
    'init_declarator.declarator',
    'declaration.declarator',
    'optional_parameter_declaration.declarator',
    'for_range_loop.declarator',
  ),
  assignSlots: set('assignment_expression.left', 'update_expression.argument'),
  exprFields: set('value', 'type', 'right', 'default_value', 'size'),
  skip: set('labeled_statement.label', 'goto_statement.label', 'field_designator.*'),
  typeContexts: set('template_argument_list', 'type_descriptor'),
  typeFields: set('type'),
  inherit: set('base_class_clause'),
  selfNames: set('this'),
  importNodes: set('preproc_include'),
};

const RULES: Record<string, GraphRules> = {
  python,
  javascript,
  jsx: javascript,
  typescript: javascript,
  tsx: javascript,
  go,
  java,
  rust,
  c: cfamily,
  cpp: cfamily,
};

/** The graph tables of a language, or null when the graph does not cover it. */
export function graphRulesFor(language: string): GraphRules | null {
  return Object.hasOwn(RULES, language) ? RULES[language] : null;
}

/** Languages whose files get graph facts. */
export const GRAPH_LANGUAGES: readonly string[] = Object.keys(RULES);
