#!/usr/bin/env python3
"""Checks that the workspace's `rust-version` is what the dependency tree needs.

The claim must be at least the highest `rust-version` of any crate that a build of the
workspace compiles (normal, build and dev dependencies, for this platform and the enabled
features: `cargo tree` knows which those are, `cargo metadata` knows their rust-version). A
claim that is higher than needed is fine only when the workspace's own code needs it, so it
is reported but not failed. Run from the repository root: python3 .ci/rust_version.py
"""
import json
import subprocess
import sys


def version_key(text):
    # "1.88" and "1.88.0" are the same version.
    parts = [int(part) for part in text.split('.')]
    return tuple(parts + [0] * (3 - len(parts)))


def main():
    metadata = json.loads(subprocess.run(
        ['cargo', 'metadata', '--format-version', '1', '--locked'],
        check=True, capture_output=True, text=True).stdout)
    members = set(metadata['workspace_members'])
    by_name_version = {(p['name'], p['version']): p for p in metadata['packages']}
    claimed = {p['rust_version'] for p in metadata['packages'] if p['id'] in members}
    if len(claimed) != 1 or None in claimed:
        print(f"rust-version: the workspace crates claim {sorted(map(str, claimed))}; give one in [workspace.package]")
        return 1
    claim = claimed.pop()

    # The crates a build really compiles: cargo tree resolves features and platforms.
    tree = subprocess.run(
        ['cargo', 'tree', '--workspace', '--locked', '-e', 'normal,build,dev', '--prefix', 'none',
         '--format', '{p}'], check=True, capture_output=True, text=True).stdout
    needed = []
    for line in tree.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        package = by_name_version.get((fields[0], fields[1].lstrip('v')))
        if package and package.get('rust_version'):
            needed.append((version_key(package['rust_version']), package['name'], package['version']))
    if not needed:
        print('rust-version: no dependency declares one; nothing to check')
        return 0
    need, name, version = max(needed)
    need_text = '.'.join(map(str, need))
    if version_key(claim) < need:
        print(f"rust-version: the workspace claims {claim}, but {name} {version} needs {need_text}: "
              f"set rust-version = \"{need_text}\" in Cargo.toml's [workspace.package]")
        return 1
    print(f"rust-version {claim}: the dependency tree needs {need_text} ({name} {version})")
    return 0


if __name__ == '__main__':
    sys.exit(main())
