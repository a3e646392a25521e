/**
 * `user-*` → /^user-.*$/. `*` matches any run of characters, `?` exactly one; everything else is
 * literal. Stream ids have no `/`, so there are no path semantics. One implementation, in the
 * contracts, shared with the server's event search and the admin app.
 */
export { streamGlobToRegExp as globToRegExp } from '@eventlane/contracts';
