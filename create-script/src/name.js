// The new project's package name comes from its directory, so the directory must make a valid one.
import validate from 'validate-npm-package-name';

/** Why `name` cannot be a new package's name, or undefined when it can. */
export function nameProblem(name) {
  const result = validate(name);
  if (result.validForNewPackages) return undefined;
  const reason = [...(result.errors ?? []), ...(result.warnings ?? [])][0];
  return `"${name}" is not a valid package name (${reason}); use a lowercase directory name such as my-app`;
}
