/** The package version, sent in `User-Agent: bbre-sdk/<version>`; kept equal to package.json by the package test. */
export const SDK_VERSION = '0.1.0';
