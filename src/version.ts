/** The package's version (package.json's, which a test checks), in a module that imports nothing. */
export const VERSION = '0.1.0'
