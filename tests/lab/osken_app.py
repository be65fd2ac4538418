#!/usr/bin/env python3
"""Runs os-ken apps, given by module name, under os-ken's AppManager: what `osken-manager`
did before os-ken 4 stopped shipping it.

  PYTHONPATH=DIR osken_app.py MODULE [MODULE...] [-- os-ken options, e.g.
      --ofp-listen-host 127.0.0.1 --ofp-tcp-listen-port 6653]

bench/controllers.sh runs os-ken's own simple_switch this way (the app as os-ken 1.4.1,
the last release to ship it, distributed it).
"""
import sys

from os_ken import cfg
from os_ken.base import app_manager


def main():
    args = sys.argv[1:]
    split = args.index('--') if '--' in args else len(args)
    modules, options = args[:split], args[split + 1:]
    if not modules:
        sys.exit(__doc__)
    cfg.CONF(args=options, project='os_ken', default_config_files=[])
    app_manager.AppManager.run_apps(modules)


if __name__ == '__main__':
    main()
