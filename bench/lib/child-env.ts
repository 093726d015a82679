/**
 * The environment for a child BBRE process: the caller's environment without any BBRE_* variable (a value left in
 * the operator's shell must not change what is measured), plus exactly the given settings.
 */
export function bbreEnv(settings: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('BBRE_')) env[key] = value;
  }
  return { ...env, ...settings };
}
