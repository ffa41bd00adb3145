/** Where the indexing parse worker lives: the .ts source under tsx, the .js build under dist/. */
export function indexWorkerUrl(): URL {
  return new URL(`./index-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
}
