#!/usr/bin/python3
# Copyright (C) 2026 The vmds authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs Debian's cloud-init OVF datasource against vmds, for test-e2e-cloud-init.c.

usage: cloud-init-ovf.py MODE WORKDIR

cloud-init comes from PYTHONPATH (the package fetch-cloud-init unpacked);
MODE says what the guest has:

  guestinfo  our vmware-rpctool and vmtoolsd ($VMWARE_RPCTOOL, $VMTOOLSD,
             talking to $VMTOOLSD_CHANNEL), no CD-ROM
  vmtoolsd   our vmtoolsd only, no CD-ROM
  iso        a CD-ROM holding $VMDS_OVF_ISO, no guest RPC tool

It runs DataSourceOVF.get_data(), the datasource's whole read as cloud-init's
init stage calls it: its seed directory (empty), the DMI check, the
transports in cloud-init's order (transport_vmware_guestinfo(), then
transport_iso9660()), read_ovf_environment(), the merge with its defaults
and the instance-data.json it writes. It prints what cloud-init got as one
JSON object on stdout; cloud-init's own log goes to stderr.

None of cloud-init's logic is replaced. What stands in for the operating
system, and why:

- PATH is WORKDIR/MODE/bin alone, holding only what MODE gives the guest
  (symlinks to our tools, the stand-ins below), so nothing the build
  machine has installed (a real vmware-rpctool, its block devices) takes
  part.
- blkid: in the iso guest the stand-in runs the real blkid (no cache file)
  with cloud-init's arguments on one device, WORKDIR/iso/dev/sr0, a symlink
  to the ISO image (named like a CD-ROM drive, so cloud-init's own
  maybe_cdrom_device() accepts it): the machine's block devices are one
  CD-ROM drive holding our image, and the real blkid decides whether it is
  ISO 9660. In the other guests it answers "nothing matches" (exit 2): no
  CD-ROM.
- mount and umount: a test cannot count on mounting (here mount(8) fails:
  the kernel has no iso9660; unprivileged builds cannot mount at all), so
  the mount stand-in takes exactly what util.mount_cb() asks of mount(8)
  for an ISO 9660 CD-ROM, `mount -o ro -t iso9660 DEVICE DIR`, refuses
  anything else as mount(8) does (exit 32), checks with blkid that DEVICE
  is ISO 9660 (the kernel would refuse it otherwise) and extracts it into
  DIR with bsdtar, which reads the Rock Ridge and Joliet names as the
  kernel does; umount empties DIR. mount_cb() itself, its temp directory,
  the file names it looks for and the parse are cloud-init's. Each stand-in
  records its arguments in WORKDIR/MODE/calls, printed as "os_calls".
- DMI: cloudinit.dmi.DMI_SYS_PATH (where it reads /sys/class/dmi/id) points
  at a directory saying what a KVM guest says ("QEMU", "Standard PC (Q35 +
  ICH9, 2009)"): the build machine may have no DMI (cloud-init's
  _get_subplatform() then fails on None), or VMware's, which sends the
  datasource looking for VMware's own customization first (with
  open-vm-tools' deployPkg plugin installed, a wait of up to 15 s for a
  file vmds never writes).
- cloudinit.temp_utils._TMPDIR: cloud-init's temp directories (mount_cb's
  mount point) go under WORKDIR/MODE/tmp, not /run/cloud-init/tmp as when
  root.
- helpers.Paths: cloud_dir and run_dir under WORKDIR/MODE, not /var/lib/cloud
  and /run/cloud-init.
"""

import json
import os
import shutil
import sys

MODES = ("guestinfo", "vmtoolsd", "iso")
KVM_DMI = {"sys_vendor": "QEMU", "product_name": "Standard PC (Q35 + ICH9, 2009)"}


def fail(message):
    print("cloud-init-ovf.py: %s" % message, file=sys.stderr)
    sys.exit(2)


def tool(name):
    """the path of a system tool the stand-ins run, found on the caller's PATH"""
    path = shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    if path is None:
        fail("%s is needed (scripts/install-deps installs it)" % name)
    return path


def stand_in(bindir, calls, name, why, body):
    """a shell script NAME on the guest's PATH that records its arguments"""
    path = os.path.join(bindir, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n# %s\n" % why)
        f.write('printf "%%s\\n" "%s $*" >>"%s"\n' % (name, calls))
        f.write(body)
    os.chmod(path, 0o755)


def make_guest(mode, work):
    """WORKDIR/MODE: the bin directory that is the guest's PATH, its DMI,
    cloud-init's directories"""
    bindir = os.path.join(work, "bin")
    calls = os.path.join(work, "calls")
    for d in (bindir, os.path.join(work, "dmi"), os.path.join(work, "tmp")):
        os.makedirs(d)
    for name, text in KVM_DMI.items():
        with open(os.path.join(work, "dmi", name), "w") as f:
            f.write(text + "\n")
    open(calls, "w").close()

    if mode == "guestinfo":
        os.symlink(os.environ["VMWARE_RPCTOOL"], os.path.join(bindir, "vmware-rpctool"))
    if mode in ("guestinfo", "vmtoolsd"):
        os.symlink(os.environ["VMTOOLSD"], os.path.join(bindir, "vmtoolsd"))
    if mode != "iso":
        stand_in(bindir, calls, "blkid", "no ISO 9660 device: nothing matches", "exit 2\n")
        return bindir, calls

    iso = os.environ["VMDS_OVF_ISO"]
    if not os.path.isfile(iso):
        fail("no ISO image at %s" % iso)
    dev = os.path.join(work, "dev", "sr0")
    os.makedirs(os.path.dirname(dev))
    os.symlink(iso, dev)
    blkid, bsdtar, find = tool("blkid"), tool("bsdtar"), tool("find")
    stand_in(
        bindir,
        calls,
        "blkid",
        "the block devices: one CD-ROM drive, holding the image",
        'exec "%s" -c /dev/null "$@" "%s"\n' % (blkid, dev),
    )
    stand_in(
        bindir,
        calls,
        "mount",
        "what util.mount_cb() asks of mount(8) for an ISO 9660 CD-ROM, done by bsdtar",
        'if [ $# -ne 6 ] || [ "$1" != -o ] || [ "$2" != ro ] || [ "$3" != -t ] ||\n'
        '\t[ "$4" != iso9660 ] || [ ! -d "$6" ]; then\n'
        '\techo "mount: only -o ro -t iso9660 DEVICE DIR here" >&2\n'
        "\texit 32\n"
        "fi\n"
        'if [ "$("%s" -p -o value -s TYPE "$5")" != iso9660 ]; then\n'
        '\techo "mount: $5: wrong fs type" >&2\n'
        "\texit 32\n"
        "fi\n"
        'exec "%s" -xf "$5" -C "$6"\n' % (blkid, bsdtar),
    )
    stand_in(
        bindir,
        calls,
        "umount",
        "the files mount extracted go",
        'if [ $# -ne 1 ] || [ ! -d "$1" ]; then\n'
        '\techo "umount: $*: not mounted" >&2\n'
        "\texit 32\n"
        "fi\n"
        'exec "%s" "$1" -mindepth 1 -delete\n' % find,
    )
    return bindir, calls


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in MODES:
        fail("usage: cloud-init-ovf.py {%s} WORKDIR" % "|".join(MODES))
    mode = sys.argv[1]
    work = os.path.join(os.path.abspath(sys.argv[2]), mode)
    if os.path.exists(work):
        shutil.rmtree(work)
    bindir, calls = make_guest(mode, work)
    os.environ["PATH"] = bindir

    import cloudinit
    from cloudinit import distros, dmi, helpers
    from cloudinit import log as ci_log
    from cloudinit import temp_utils, version
    from cloudinit.sources import DataSourceOVF

    ci_log.setupBasicLogging()
    dmi.DMI_SYS_PATH = os.path.join(work, "dmi")
    temp_utils._TMPDIR = os.path.join(work, "tmp")
    paths = helpers.Paths(
        {"cloud_dir": os.path.join(work, "cloud"), "run_dir": os.path.join(work, "run")}
    )
    distro = distros.fetch("debian")("debian", {}, paths)
    ds = DataSourceOVF.DataSourceOVF({}, distro, paths)

    found = ds.get_data()
    result = {
        "cloud_init": version.version_string(),
        "cloudinit_path": os.path.dirname(os.path.abspath(cloudinit.__file__)),
        "found": found,
    }
    if found:
        raw = ds.get_userdata_raw()
        parts = [
            p.get_content_type() for p in ds.get_userdata().walk() if not p.is_multipart()
        ]
        with open(paths.get_runpath("instance_data")) as f:
            v1 = json.load(f)["v1"]
        result.update(
            {
                "seed": ds.seed,
                "subplatform": ds.subplatform,
                "environment": ds.environment,
                "metadata": ds.metadata,
                "instance_id": ds.get_instance_id(),
                "hostname": ds.get_hostname().hostname,
                "fqdn": ds.get_hostname(fqdn=True).hostname,
                "userdata": raw.decode() if isinstance(raw, bytes) else raw,
                "userdata_parts": parts,
                "public_keys": ds.get_public_ssh_keys(),
                "config": ds.get_config_obj(),
                "instance_data": {
                    k: v1.get(k)
                    for k in ("instance_id", "local_hostname", "public_ssh_keys", "subplatform")
                },
            }
        )
    with open(calls) as f:
        result["os_calls"] = f.read().splitlines()
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
