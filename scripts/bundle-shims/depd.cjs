// Stands in for `depd` inside the bundled CLI (scripts/bundle-cli.mjs). depd
// reads a stack trace every time a package creates its deprecation logger,
// which is slow at start in a one-file bundle; it only ever warns about
// deprecated express calls, and hma-lab makes none (the tests run the
// unbundled packages, with the real depd).
'use strict';

module.exports = function depd() {
  function deprecate() {}
  deprecate.function = (fn) => fn;
  deprecate.property = () => {};
  return deprecate;
};
