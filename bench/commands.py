#!/usr/bin/env python3
"""Whole-command measurements for bench/run: `./cloister dataset encrypt` and `decrypt`, file to
file, in a fresh JVM each (the cold cost a user pays), with wall time and peak RSS per command.
Beside them, the floors that no JVM command can beat on this machine: starting the CLI at all
(`./cloister --version`) and copying the file (`dd`, 1 MiB blocks). Writes commands.json into the run directory.
Usage: commands.py RUN_DIR [--quick]"""
import json, os, shutil, subprocess, sys, time

run = sys.argv[1]
quick = "--quick" in sys.argv
MB = 1_000_000
# Sizes in bytes: 100 MB and 2 GB for flat memory; 1 GB for the targets (the size).
sizes = [100 * MB] if quick else [100 * MB, 1000 * MB, 2000 * MB]
target_size = 100 * MB if quick else 1000 * MB
# The files live in memory (/dev/shm) when there is room, so the figures measure Cloister and not
# this machine's shared virtual disk (cp of 1 GB took 4.4 s there, 0.6 s in memory); set
# CLOISTER_BENCH_DATA to put them elsewhere. The copy floor is measured in the same place.
need = 3 * max(sizes) + (1 << 30)
base = os.environ.get("CLOISTER_BENCH_DATA")
if not base:
    shm = "/dev/shm"
    base = shm if os.path.isdir(shm) and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > need else run
data = os.path.join(base, f"cloister-bench-{os.getpid()}")
os.makedirs(data, exist_ok=True)


def run_one(cmd, env=None):
    """The command in a child python, so ru_maxrss is this command's alone."""
    code = ("import json,os,resource,subprocess,sys,time\n"
            "t=time.perf_counter(); p=subprocess.run(sys.argv[1:],capture_output=True)\n"
            "w=time.perf_counter()-t\n"
            "print(json.dumps({'rc':p.returncode,'s':w,'rss_kb':resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"
            "'out':p.stdout.decode(errors='replace'),'err':p.stderr.decode(errors='replace')[-2000:]}))")
    p = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, env={**os.environ, **(env or {})})
    r = json.loads(p.stdout)
    if r["rc"] != 0:
        sys.exit(f"commands.py: {' '.join(cmd)} failed ({r['rc']}): {r['err']}")
    return r


def make(path, size):
    # Random bytes: AES-GCM does not care what it encrypts, and random data defeats any compression.
    with open(path, "wb") as f:
        left = size
        block = os.urandom(16 << 20)
        while left > 0:
            f.write(block[: min(left, len(block))])
            left -= len(block)


cloister = "./cloister"
results = {"sizes": [], "floors": {}}
startup = [run_one([cloister, "--version"])["s"] for _ in range(3)]
results["floors"]["cli_start_s"] = round(min(startup), 3)
for size in sizes:
    plain = os.path.join(data, f"plain-{size}")
    make(plain, size)
    row = {"bytes": size}
    # dd with 1 MiB blocks reads and writes through user space as the commands must; cp may have
    # the kernel copy the file without ever handing its bytes to a program (copy_file_range).
    copy = run_one(["dd", f"if={plain}", f"of={plain}.copy", "bs=1M", "status=none"])
    os.remove(plain + ".copy")
    row["cp_s"] = round(copy["s"], 3)
    # The JDK providers once, at the target size, for contrast (not in --quick: it takes longest).
    providers = ["accp", "jdk"] if size == target_size and not quick else ["accp"]
    for prov in providers:
        env = {"CLOISTER_CRYPTO_PROVIDER": prov}
        enc, dec, key = plain + ".enc", plain + ".dec", plain + f".{prov}.key"
        if os.path.exists(key):
            os.remove(key)
        e = run_one([cloister, "dataset", "encrypt", "--in", plain, "--out", enc, "--name", "bench", "--key-out", key], env)
        d = run_one([cloister, "dataset", "decrypt", "--in", enc, "--out", dec, "--name", "bench", "--key", key], env)
        if subprocess.run(["cmp", "-s", plain, dec]).returncode != 0:  # a fast wrong answer is no answer
            sys.exit(f"commands.py: decrypt({prov}) of {size} bytes did not give the plaintext back")
        inner = [l for l in e["out"].splitlines() if "MB/s" in l]
        row[prov] = {
            "encrypt_s": round(e["s"], 3), "decrypt_s": round(d["s"], 3),
            "encrypt_mb_s": round(size / MB / e["s"], 1), "decrypt_mb_s": round(size / MB / d["s"], 1),
            "encrypt_rss_mb": e["rss_kb"] // 1024, "decrypt_rss_mb": d["rss_kb"] // 1024,
            "encrypt_reported": inner[0].split("(")[-1].rstrip(")") if inner else None,
        }
        for f in (enc, dec, key):
            os.remove(f)
        print(f"  dataset {size // MB} MB [{prov}]: {row[prov]}", file=sys.stderr)
    os.remove(plain)
    results["sizes"].append(row)
shutil.rmtree(data)
results["target_bytes"] = target_size
results["data_dir"] = base
with open(os.path.join(run, "commands.json"), "w") as f:
    json.dump(results, f, indent=2)
