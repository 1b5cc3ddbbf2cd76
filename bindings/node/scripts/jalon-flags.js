// Compiler and linker flags for libjalon, printed for binding.gyp.
// JALON_BUILD_ROOT set (by build.sh): a Meson build tree, headers from
// JALON_SOURCE_ROOT/include, libjalon.so from <build>/lib with an rpath to it.
// Otherwise: libjalon through pkg-config (installed, or a build tree's
// meson-uninstalled/ on PKG_CONFIG_PATH).
// --cflags: -Werror in a Jalon tree, as the rest of the build; not for an
// `npm install` elsewhere, where another compiler may warn about headers
// that are not ours.
'use strict';
const { execFileSync } = require('child_process');
const path = require('path');

const what = process.argv[2];
const build = process.env.JALON_BUILD_ROOT;

function pkgConfig(...args) {
  return execFileSync('pkg-config', [...args, 'jalon'], { encoding: 'utf8' }).trim();
}

let out;
if (build) {
  const src = process.env.JALON_SOURCE_ROOT || path.resolve(__dirname, '..', '..', '..');
  const lib = path.join(build, 'lib');
  out = {
    '--include-dirs': [path.join(src, 'include')],
    '--libs': [`-L${lib}`, '-ljalon'],
    '--ldflags': [`-Wl,-rpath,${lib}`],
    '--cflags': ['-Werror'],
  }[what];
} else {
  // An rpath to every -L directory (none for the system's own lib dirs,
  // which pkg-config leaves out): libjalon.so is found at run time too.
  const libdirs = pkgConfig('--libs-only-L').split(/\s+/).filter(Boolean).map((f) => f.slice(2));
  // A build found through PKG_CONFIG_PATH=<build>/meson-uninstalled: its .pc
  // names the source tree (srcdir) but not the public headers in it.
  const srcdir = pkgConfig('--variable=srcdir');
  out = {
    '--include-dirs': pkgConfig('--cflags-only-I').split(/\s+/).filter(Boolean)
      .map((f) => f.slice(2)).concat(srcdir ? [path.join(srcdir, 'include')] : []),
    '--libs': pkgConfig('--libs').split(/\s+/).filter(Boolean),
    '--ldflags': libdirs.map((d) => `-Wl,-rpath,${d}`),
    '--cflags': [],
  }[what];
}
if (!out) {
  console.error('usage: jalon-flags.js --include-dirs | --libs | --ldflags | --cflags');
  process.exit(2);
}
console.log(out.join(' '));
