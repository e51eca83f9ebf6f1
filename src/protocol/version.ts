declare const HEARTH_VERSION: string | undefined;

/** Hearth's version, injected by esbuild from package.json; "dev" when run from source. */
export const VERSION: string = typeof HEARTH_VERSION === "string" ? HEARTH_VERSION : "dev";
