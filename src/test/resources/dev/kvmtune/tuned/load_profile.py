"""Loads a tuned profile through tuned's own profile loader and prints the merged result as JSON.

usage: python3 load_profile.py PROFILE_DIR_PARENT PROFILE_NAME [ONLINE_CPUS]
The parent directory is searched after tuned's own profile directories, as /etc/tuned is.
ONLINE_CPUS stands in for /sys/devices/system/cpu/online, so that a profile planned for another
host is judged by tuned's own online-CPU assertions as that host would judge it.
Exit 0 with {"name", "units": {unit: {"enabled", "options", "devices"}}, "variables": {...}},
or exit 1 with the loader's error on stderr.
"""
import json
import sys

import tuned.consts as consts
import tuned.profiles as profiles
from tuned.profiles.exceptions import InvalidProfileException
from tuned.utils.commands import commands
from tuned.utils.global_config import GlobalConfig


def main():
    parent, name = sys.argv[1], sys.argv[2]
    if len(sys.argv) > 3:
        online, real_read = sys.argv[3], commands.read_file

        def read_file(self, f, *args, **kwargs):
            if f == "/sys/devices/system/cpu/online":
                return online
            return real_read(self, f, *args, **kwargs)
        commands.read_file = read_file
    variables = profiles.variables.Variables()
    dirs = [d for d in consts.LOAD_DIRECTORIES if d != "/etc/tuned"] + [parent]
    loader = profiles.Loader(profiles.Locator(dirs), profiles.Factory(), profiles.Merger(), GlobalConfig(), variables)
    try:
        profile = loader.load([name])
    except InvalidProfileException as e:
        print("tuned loader: %s" % e, file=sys.stderr)
        return 1
    units = {}
    for unit_name, unit in profile.units.items():
        units[unit_name] = {"enabled": unit.enabled, "options": {k: variables.expand(v) if isinstance(v, str) else v
                                                                for k, v in unit.options.items()}}
    names = ["isolated_cores", "non_isolated_cores", "isolated_cores_expanded", "not_isolated_cpumask"]
    print(json.dumps({"name": profile.name, "units": units,
                      "variables": {n: variables.expand("${%s}" % n) for n in names}}, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
