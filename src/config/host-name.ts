/**
 * The shape of a host name a person may add to serve's Host allow-list (`--allowed-host`,
 * `serve.allowedHosts`): DNS labels of letters, digits and `-`, without scheme, port or path.
 */
const HOST_NAME =
  /^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** Undefined when `name` is a host name; otherwise what is wrong with it. */
export function hostNameProblem(name: string): string | undefined {
  if (HOST_NAME.test(name)) return undefined;
  return `${JSON.stringify(name)} is not a host name (give the name alone, e.g. ops-box.lan: no scheme, port or path)`;
}
