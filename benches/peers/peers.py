#!/usr/bin/env python3
"""stepwise beside aws-local-stepfunctions (the npm package), one run, figures side by side.

Run through `scripts/bench peers`, which installs the peer, builds the release binary, runs the
engine bench and passes their results here. Standard library only. Each figure is printed with
stepwise's value, the peer's and the ratio: how many times stepwise is ahead (the peer's time or
memory over stepwise's, stepwise's rate over the peer's).

Whole process (`stepwise run FILE --format json --input JSON` against `node .../local-sfn -f FILE`
with the input on stdin, node started directly rather than through npx), for each machine beside
this file: the median wall time over --runs runs, taken in turns, and the median peak RSS of each
process (os.wait4's ru_maxrss of that child alone). Before timing, both outputs are compared: the
value stepwise prints must equal the peer's result (its StateMachine class, in local-sfn.mjs),
and what the CLI prints must be what console.log prints of that result (the CLI prints no JSON).

In process: the engine bench's (a) and (b) machines (`cargo bench --bench engine -- --definitions`)
in the peer's StateMachine (local-sfn.mjs bench), against the figures the engine bench printed.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEER = "aws-local-stepfunctions"


def fail(message):
    sys.exit(f"peers.py: {message}")


def row(figure, stepwise, peer, ratio, target=""):
    print(f"{figure:<56} {stepwise:>12} {peer:>12} {ratio:>8}  {target}".rstrip())


def spawn(argv, stdin_path=None):
    """Runs argv once (posix_spawn, no shell); (wall seconds, peak RSS in KiB, exit code, stdout)."""
    program = shutil.which(argv[0]) or fail(f"{argv[0]} not found")
    with tempfile.TemporaryFile() as out:
        stdin = os.open(stdin_path or os.devnull, os.O_RDONLY)
        null = os.open(os.devnull, os.O_WRONLY)
        actions = [(os.POSIX_SPAWN_DUP2, stdin, 0), (os.POSIX_SPAWN_DUP2, out.fileno(), 1),
                   (os.POSIX_SPAWN_DUP2, null, 2)]
        t = time.perf_counter()
        pid = os.posix_spawn(program, argv, os.environ, file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - t
        os.close(stdin)
        os.close(null)
        out.seek(0)
        return wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status), out.read().decode()


class Peer:
    """The installed npm package: its CLI and its StateMachine class (through local-sfn.mjs)."""

    def __init__(self, prefix, version):
        self.dir = Path(prefix) / "node_modules" / PEER
        manifest = json.loads((self.dir / "package.json").read_text())
        if manifest["version"] != version:
            fail(f"{self.dir} is {PEER} {manifest['version']}, not {version}")
        self.version = version
        self.cli = self.dir / manifest["bin"]["local-sfn"]

    def node(self, *args):
        argv = ["node", str(HERE / "local-sfn.mjs"), str(self.dir), *map(str, args)]
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode != 0:
            fail(f"{' '.join(argv)} failed:\n{done.stderr}")
        return json.loads(done.stdout)


def whole_process(peer, stepwise, name, definition, input_value, runs, scratch):
    input_text = json.dumps(input_value, separators=(",", ":"))
    input_file = scratch / f"{definition.stem}.input.json"
    input_file.write_text(input_text + "\n")  # one line: local-sfn reads each line as an input
    ours = [stepwise, "run", str(definition), "--format", "json", "--input", input_text]
    theirs = ["node", str(peer.cli), "-f", str(definition)]

    expected = check_same(peer, ours, name, definition, input_file)
    _, _, code, out = spawn(theirs, input_file)
    if code != 0 or out != expected["printed"]:
        fail(f"{name}: local-sfn exited {code} printing\n{out}\nnot\n{expected['printed']}")

    samples = {"ours": [], "theirs": []}
    for i in range(runs + 2):  # two warm-up runs each, in turns with the measured ones
        for key, argv, stdin in (("ours", ours, None), ("theirs", theirs, input_file)):
            wall, rss, code, _ = spawn(argv, stdin)
            if code != 0:
                fail(f"{name}: {argv[0]} exited {code}")
            if i >= 2:
                samples[key].append((wall, rss))
    wall = {k: statistics.median(w for w, _ in v) for k, v in samples.items()}
    rss = {k: statistics.median(r for _, r in v) for k, v in samples.items()}
    return wall, rss


def check_same(peer, argv, name, definition, input_file):
    """Fails unless `argv` (a `stepwise run --format json`) prints the output the peer's
    StateMachine gives; the peer's result and what its CLI would print."""
    expected = peer.node("run", definition, input_file)
    _, _, code, out = spawn(argv)
    printed = json.loads(out) if code == 0 else {"status": f"exit {code}: {out}"}
    if printed.get("status") != "SUCCEEDED" or printed["output"] != expected["result"]:
        fail(f"{name}: stepwise's output differs from {PEER}'s:\n"
             f"stepwise: {json.dumps(printed)}\n{PEER}: {json.dumps(expected['result'])}")
    return expected


def engine_figures(path):
    """(a) in µs and (b) in ms, from the engine bench's output."""
    text = Path(path).read_text()
    a = re.search(r"^\(a\).*?([\d.]+) µs", text, re.M)
    b = re.search(r"^\(b\).*?([\d.]+) ms", text, re.M)
    if not (a and b):
        fail(f"no (a) or (b) figure in the engine bench's output {path}")
    return float(a.group(1)), float(b.group(1)) * 1e3


def main():
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--stepwise", required=True, help="the release binary")
    args.add_argument("--peers", required=True, help="the npm prefix the peer is installed in")
    args.add_argument("--version", required=True, help=f"the {PEER} version expected there")
    args.add_argument("--runs", type=int, default=21, help="whole-process runs per figure")
    args.add_argument("--engine-definitions", help="`cargo bench --bench engine -- --definitions`")
    args.add_argument("--engine-output", help="what `cargo bench --bench engine` printed")
    opts = args.parse_args()
    peer = Peer(opts.peers, opts.version)
    ms = lambda s: f"{s * 1e3:.2f} ms"
    mib = lambda kib: f"{kib / 1024:.1f} MiB"

    with tempfile.TemporaryDirectory(prefix="stepwise-peers-") as scratch:
        scratch = Path(scratch)
        baseline = statistics.median(spawn(["true"])[0] for _ in range(opts.runs))
        cases = [
            ("small: Pass→Map(3)→Choice→Pass", HERE / "small.asl.json",
             {"items": [{"n": 1}, {"n": 2}, {"n": 3}]}, "≥ 150×, ≤ 2 ms", ""),
            ("big: Pass→Map(4,000, intrinsics)→Choice→Pass", HERE / "map.asl.json",
             {"items": [{"id": i} for i in range(4000)]}, "≥ 100×", "≤ 20 MB"),
        ]
        node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
        print(f"Whole process: `stepwise run` against {PEER} {peer.version}'s local-sfn "
              f"(node {node}), median of {opts.runs} runs; outputs checked equal")
        row("", "stepwise", "peer", "ratio", "issue's target")
        for name, definition, input_value, wall_target, rss_target in cases:
            wall, rss = whole_process(peer, opts.stepwise, name, definition, input_value,
                                      opts.runs, scratch)
            row(f"{name}, wall", ms(wall["ours"]), ms(wall["theirs"]),
                f"{wall['theirs'] / wall['ours']:.1f}×", wall_target)
            row(f"{name}, peak RSS", mib(rss["ours"]), mib(rss["theirs"]),
                f"{rss['theirs'] / rss['ours']:.1f}×", rss_target)
        print(f"(spawning `true` and waiting for it takes {ms(baseline)} here, in both columns)")

        if opts.engine_definitions and opts.engine_output:
            in_process(peer, opts, scratch)


def in_process(peer, opts, scratch):
    machines = json.loads(Path(opts.engine_definitions).read_text())
    ours_a, ours_b = engine_figures(opts.engine_output)
    figures = []
    for key, batches, per_batch in (("a", 15, 500), ("b", 15, 5)):
        definition, input_file = scratch / f"engine-{key}.asl.json", scratch / f"engine-{key}.json"
        definition.write_text(json.dumps(machines[key]["definition"]))
        input_file.write_text(json.dumps(machines[key]["input"]))
        argv = [opts.stepwise, "run", str(definition), "--format", "json",
                "--input-file", str(input_file)]
        check_same(peer, argv, f"engine ({key})", definition, input_file)
        figures.append(peer.node("bench", definition, input_file, batches, per_batch)["median_us"])
    theirs_a, theirs_b = figures
    print()
    print(f"In process: benches/engine.rs (a) and (b) against {PEER}'s StateMachine.run, "
          "median per execution")
    row("", "stepwise", "peer", "ratio")
    row("(a) Pass → Choice → Map(3 items)", f"{ours_a:.2f} µs", f"{theirs_a:.2f} µs",
        f"{theirs_a / ours_a:.1f}×")
    row("(b) inline Map over 1,000 items", f"{ours_b / 1e3:.3f} ms", f"{theirs_b / 1e3:.3f} ms",
        f"{theirs_b / ours_b:.1f}×")


if __name__ == "__main__":
    main()
