#!/usr/bin/env python3
"""Runs virtee's sev-snp-measure on every invocation of cli/src/test/.../sev-snp-measure-cli.jsonl,
the table SevSnpMeasureCliTest runs through `cloister measure snp`, and checks upstream gives the
same exit code and output: the table's expectations are upstream's, not Cloister's.

usage: scripts/sev-snp-measure-parity.py SEV_SNP_MEASURE_CHECKOUT
(a checkout of github.com/virtee/sev-snp-measure with its tests/fixtures, svsm.bin included)"""
import json, os, pathlib, subprocess, sys, tempfile

table = pathlib.Path(__file__).resolve().parent.parent / "cli/src/test/resources/dev/cloister/cli/sev-snp-measure-cli.jsonl"
upstream = pathlib.Path(sys.argv[1]).resolve()
fixtures = upstream / "tests/fixtures"
with tempfile.TemporaryDirectory() as tmp:
    vars_file = pathlib.Path(tmp, "OVMF_VARS.fd")
    vars_file.write_bytes(bytes(540672))
    paths = {"$AMDSEV": fixtures / "ovmf_AmdSev_suffix.bin", "$OVMFX64": fixtures / "ovmf_OvmfX64_suffix.bin",
             "$SVSM_OVMF": fixtures / "svsm_ovmf.fd", "$SVSM": fixtures / "svsm.bin", "$VARS": vars_file}
    failed = 0
    rows = [json.loads(line) for line in table.read_text().splitlines() if line.strip()]
    for row in rows:
        args = []
        for a in row["args"]:
            for k, v in paths.items():
                a = a.replace(k, str(v))
            # the README's spelling, which upstream's own argparse refuses ("unrecognized arguments")
            args.append("--snp-ovmf-hash" if a == "--ovmf-hash" else a)
        p = subprocess.run([sys.executable, str(upstream / "sev-snp-measure.py")] + args, capture_output=True, text=True, cwd=tmp)
        ok = p.returncode == row["exit"]
        ok = ok and ("out" not in row or p.stdout.strip() == row["out"])
        ok = ok and ("err" not in row or row["err"] in p.stderr)
        failed += not ok
        print(("ok   " if ok else "FAIL ") + row["name"] + ("" if ok else f"  (exit {p.returncode}: {p.stdout.strip()} {p.stderr.strip()[-200:]})"))
    print(f"{len(rows) - failed}/{len(rows)} invocations give upstream's exit code and output")
    sys.exit(1 if failed else 0)
