#!/usr/bin/env bash
# Checks that the vector kernel builds compiled to what makes them fast and safe:
# - from each build's entry points (the closures of `KernelBuild.table`), every function reached by a call or jump
#   is specialized (no generic register tile, no SIMD protocol witness, no generic metadata at run time);
# - the code reached holds vector fused multiply-adds of the build's width (ymm for 8 lanes, zmm for 16 on x86-64);
# - no function reached is also defined by the other build: such a symbol (a standard library specialization both
#   builds emit under one name) is linked once, so one build would run code compiled for the other's CPU;
# - no inner loop of multiply-adds also stores vectors to the stack (x86-64): a register tile whose accumulators'
#   address escaped (into an out-of-line initializer, say) keeps them in registers but stores each one back after every
#   multiply-add, which halved the 16-lane row runs' speed and nothing else showed.
# Without `-target-cpu` or whole-module optimization the tiles fall back to generic code and scalar calls; this fails
# then. Usage: scripts/check-kernel-specialization.sh [build directory, default .build/debug]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-.build/debug}
for target in SMSRKernels8Lanes SMSRKernels16Lanes; do
    if ! ls "$build/$target.build/"*.o >/dev/null 2>&1; then
        echo "no objects in $build/$target.build (build first)" >&2
        exit 2
    fi
done
python3 - "$build" "$(uname -m)" <<'PYTHON'
import glob, re, subprocess, sys
build, arch = sys.argv[1], sys.argv[2]
generic = re.compile(r"(loadUnaligned14fromByteOffset2asxSi_xmtlF$|s4SIMDsWl|swift_getGenericMetadata|instantiateGenericMetadata|"
                     r"Wl$|swift_getWitnessTable)")

def scan(target):
    objects = sorted(glob.glob(f"{build}/{target}.build/*.o"))
    text = subprocess.run(["objdump", "-dr", "--no-show-raw-insn", *objects], capture_output=True, text=True, check=True).stdout
    register = ("zmm" if "16" in target else "ymm") if arch == "x86_64" else None
    functions, current = {}, None
    for line in text.splitlines():
        header = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if header:
            current = header.group(1)
            functions.setdefault(current, {"calls": set(), "fma": 0, "code": []})
            continue
        if current is None:
            continue
        instruction = re.match(r"^\s+([0-9a-f]+):\s+(.*)$", line)
        if instruction:
            functions[current]["code"].append((int(instruction.group(1), 16), instruction.group(2)))
        reloc = re.search(r"R_X86_64_\w+\s+(\S+?)(?:[-+]0x[0-9a-f]+)?$", line) or re.search(r"R_AARCH64_\w+\s+(\S+?)(?:[-+]0x[0-9a-f]+)?$", line)
        if reloc:
            functions[current]["calls"].add(reloc.group(1))
        if (register and re.search(r"\tvfn?m(add|sub)\w*ps\s.*%" + register, line)) or (not register and re.search(r"\tfmla\s", line)):
            functions[current]["fma"] += 1
    defined = set(subprocess.run(["nm", "--defined-only", *objects], capture_output=True, text=True, check=True).stdout.split())
    entries = [f for f in functions if "KernelBuild" in f and "table" in f]
    seen, stack, bad, fma = set(), list(entries), [], 0
    while stack:
        f = stack.pop()
        if f in seen:
            continue
        seen.add(f)
        if f not in functions:
            continue
        fma += functions[f]["fma"]
        for callee in functions[f]["calls"]:
            if generic.search(callee):
                bad.append(f"{f} -> {callee}")
            elif callee in functions:
                stack.append(callee)
    return {"entries": entries, "reached": seen, "bad": bad, "fma": fma, "register": register, "defined": defined,
            "spilling": [f for f in seen if f in functions and spilling_loop(functions[f]["code"])] if register else []}

def spilling_loop(code):
    """Whether a short loop (a backward jump and what it spans) of several vector FMAs stores vectors to the stack at
    a quarter of the FMAs' count or more."""
    start = code[0][0] if code else 0
    for address, text in code:
        jump = re.match(r"j\w+\s+([0-9a-f]+)\b", text)
        if not jump or not start <= int(jump.group(1), 16) < address:
            continue
        body = [t for a, t in code if int(jump.group(1), 16) <= a <= address]
        if len(body) > 160:
            continue
        fma = sum(bool(re.search(r"\tvfn?m(add|sub)\w*ps\s", "\t" + t)) for t in body)
        stores = sum(bool(re.search(r"^vmov\w+\s+%[xyz]mm\d+,(-?0x[0-9a-f]+)?\(%r[sb]p", t)) for t in body)
        if fma >= 8 and stores * 4 >= fma:
            return True
    return False

builds = {t: scan(t) for t in ("SMSRKernels8Lanes", "SMSRKernels16Lanes")}
failed = False
for target, other in (("SMSRKernels8Lanes", "SMSRKernels16Lanes"), ("SMSRKernels16Lanes", "SMSRKernels8Lanes")):
    b = builds[target]
    shared = sorted(f for f in b["reached"] if f in builds[other]["defined"] and not f.startswith("."))
    print(f"{target}: {len(b['reached'])} functions reached from {len(b['entries'])} entry points, {b['fma']} vector FMAs"
          + (f" on {b['register']}" if b["register"] else ""))
    if not b["entries"]:
        print(f"  no KernelBuild.table entry points"); failed = True
    if b["bad"]:
        print("  generic code reached:", *sorted(set(b["bad"]))[:20], sep="\n    "); failed = True
    if b["fma"] < 200:
        print(f"  only {b['fma']} vector FMAs reached: the register tiles did not compile to vector code"); failed = True
    if b["spilling"]:
        print("  inner loops of multiply-adds that store vectors to the stack:", *sorted(b["spilling"])[:20], sep="\n    ")
        failed = True
    if shared:
        print(f"  reached functions also defined by {other} (linked once for both):", *shared[:20], sep="\n    "); failed = True
sys.exit(1 if failed else 0)
PYTHON
