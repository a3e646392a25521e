/**
 * `user-*` → /^user-.*$/. `*` matches any run of characters, `?` exactly one; everything else is
 * literal. Stream ids have no `/`, so there are no path semantics.
 */
export function globToRegExp(glob: string): RegExp {
  let source = '^';
  for (const char of glob) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(source + '$');
}
