export type RuntimeName = 'bun' | 'deno' | 'workerd';
export declare const RUNTIMES: readonly RuntimeName[];
export declare function binary(name: RuntimeName): string;
export declare function version(name: RuntimeName): string;
