# The jalon.node addon: src/addon.cc over libjalon's public API.
# Flags for libjalon come from scripts/jalon-flags.js (a Meson build tree
# when build.sh sets JALON_BUILD_ROOT, else pkg-config).
{
  "targets": [
    {
      "target_name": "jalon",
      "sources": ["src/addon.cc"],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      "include_dirs": ["<!@(node scripts/jalon-flags.js --include-dirs)"],
      "libraries": ["<!@(node scripts/jalon-flags.js --libs)"],
      "ldflags": ["<!@(node scripts/jalon-flags.js --ldflags)"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "<!@(node scripts/jalon-flags.js --cflags)"]
    }
  ]
}
