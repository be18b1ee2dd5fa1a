/**
 * Imports a Node built-in at run time. The specifier is a variable so that no bundler follows it:
 * a static `import 'node:fs'` anywhere on the package's import path breaks every browser bundle,
 * even one that never saves a model or starts wasm threads.
 */
export const nodeBuiltin = <T>(specifier: string): Promise<T> => import(/* webpackIgnore: true */ /* @vite-ignore */ specifier) as Promise<T>;
