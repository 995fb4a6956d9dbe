"""Compare the network runtimes on the benchmark paragraph's passes, in one process, interleaved.

    python bench/variants.py [--threads 2] [--runs 7] [--variants fp32-torch,fp32-onnx,...]
                             [--graphs DIR] [--json]

Per variant: acoustic and vocoder seconds for all passes of the paragraph (median of runs,
variants interleaved run by run so the shared box's load hits them alike), first-pass latency
(acoustic of pass 0 + vocoder of its first 16 + 24 frames), and quality against fp32-torch:
durations identical, mel relative error and max abs error, log-spectral distance (dB) of the
vocoder alone (same fp32 mel) and of the whole chain, 60 dB floor (`chain_lsd80_db`: 80 dB floor,
which silence dominates). OpenVINO variants: `ov:<decoder graph>-<hint>/<vocoder graph>-<hint>`,
e.g. `ov:fp32-bf16/fp32-bf16` (graph fp32|int8, hint f32|bf16; encoder always f32).
`cpu_s`: process CPU seconds of acoustic + vocoder (less noisy).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine import PARAGRAPH  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--variants", default="fp32-torch,fp32-onnx,onnx:fp32/int8,onnx:int8/fp32,int8-onnx"
    )
    parser.add_argument("--graphs", type=Path, default=None, help="ONNX folder (default: cache)")
    parser.add_argument("--spinning", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from synthesis.tts.assets import mapper_path
    from synthesis.tts.frontend import Frontend
    from synthesis.tts.runtime import select
    from synthesis.tts.runtime.onnx_backend import OnnxAcoustic, OnnxVocoder, ensure_graphs
    from synthesis.tts.runtime.quality import log_spectral_distance, relative_error

    frontend = Frontend(json.loads(mapper_path().read_text(encoding="utf-8")))
    passes = frontend.analyze(PARAGRAPH, max_syllables=60, first_max_syllables=12)
    ids = [np.array([frontend.ids(p)], np.int64) for p in passes]

    folder = args.graphs or ensure_graphs()
    nets = {}
    for name in args.variants.split(","):
        if name in ("fp32-torch", select.MIXED) or name in select.OPENVINO:
            nets[name] = select.load(name, threads=args.threads)
        elif name.startswith("ov:"):  # ov:<decoder graph>-<hint>/<vocoder graph>-<hint>
            from synthesis.tts.runtime.openvino_backend import OvAcoustic, OvVocoder

            (dec, dec_hint), (voc, voc_hint) = (p.split("-") for p in name[3:].split("/"))
            nets[name] = (
                OvAcoustic(folder, decoder=dec, hint=dec_hint, threads=args.threads),
                OvVocoder(folder, precision=voc, hint=voc_hint, threads=args.threads),
            )
        else:
            dec, voc = select._precisions(name)
            nets[name] = (
                OnnxAcoustic(folder, precision=dec, threads=args.threads, spinning=args.spinning),
                OnnxVocoder(folder, precision=voc, threads=args.threads, spinning=args.spinning),
            )
    ref_ac, ref_voc = nets.get("fp32-torch") or select.load("fp32-torch", threads=args.threads)
    ref = [ref_ac(i) for i in ids]
    ref_wav = [ref_voc(r.mel)[0] for r in ref]

    times = {n: {"acoustic": [], "vocoder": [], "first": [], "cpu": []} for n in nets}
    outputs = {}
    for run in range(args.runs + 1):
        for name, (ac, voc) in nets.items():
            c0 = time.process_time()
            t0 = time.perf_counter()
            outs = [ac(i) for i in ids]
            t1 = time.perf_counter()
            wavs = [voc(o.mel)[0] for o in outs]
            t2 = time.perf_counter()
            c2 = time.process_time()
            o0 = ac(ids[0])
            voc(o0.mel[:, :40])
            t3 = time.perf_counter()
            if run == 0:  # warm-up
                outputs[name] = (outs, wavs)
                continue
            times[name]["acoustic"].append(t1 - t0)
            times[name]["vocoder"].append(t2 - t1)
            times[name]["first"].append(t3 - t2)
            times[name]["cpu"].append(c2 - c0)

    audio = sum(len(w) for w in ref_wav) / 24000
    rows = []
    for name, (outs, wavs) in outputs.items():
        ac, voc = nets[name]
        voc_only = np.concatenate([voc(r.mel)[0] for r in ref])
        ref_all = np.concatenate(ref_wav)
        med = {k: statistics.median(v) for k, v in times[name].items()}
        rows.append(
            {
                "variant": name,
                "acoustic_s": round(med["acoustic"], 4),
                "vocoder_s": round(med["vocoder"], 4),
                "networks_s": round(med["acoustic"] + med["vocoder"], 4),
                "rtf": round((med["acoustic"] + med["vocoder"]) / audio, 5),
                "first_pass_s": round(med["first"], 4),
                "durations_identical": all(
                    np.array_equal(o.durations, r.durations) for o, r in zip(outs, ref, strict=True)
                ),
                "mel_rel_err": round(
                    max(relative_error(r.mel, o.mel) for o, r in zip(outs, ref, strict=True)), 5
                ),
                "mel_max_abs": round(
                    max(float(np.abs(r.mel - o.mel).max()) for o, r in zip(outs, ref, strict=True)),
                    5,
                ),
                "vocoder_lsd_db": round(log_spectral_distance(ref_all, voc_only, floor_db=-60), 3),
                "chain_lsd_db": round(
                    log_spectral_distance(ref_all, np.concatenate(wavs), floor_db=-60), 3
                ),
                "chain_lsd80_db": round(log_spectral_distance(ref_all, np.concatenate(wavs)), 3),
                "cpu_s": round(statistics.median(times[name]["cpu"]), 4),
            }
        )
    result = {
        "passes": len(ids),
        "frames": int(sum(r.mel.shape[1] for r in ref)),
        "audio_seconds": round(audio, 2),
        "threads": args.threads,
        "runs": args.runs,
        "variants": rows,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print({k: v for k, v in result.items() if k != "variants"})
        keys = list(rows[0])
        print(" | ".join(keys))
        for r in rows:
            print(" | ".join(str(r[k]) for k in keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
