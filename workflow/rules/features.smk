rule features:
    """Frames x features of one representation for one part of a dataset (a device, or a slice
    of an external dataset), with file offsets and per-frame energy, as a zarr store."""
    input:
        manifest=paths.MANIFEST,
        audio=part_audio,
    output:
        store=directory(paths.FEATURES),
        excluded=paths.FEATURES_EXCLUDED,
    log:
        "results/logs/features/{dataset}/{representation}/{part}.log",
    benchmark:
        paths.BENCHMARKS["features"]
    wildcard_constraints:
        representation="|".join(r for r in PLAN.representations if r != L3) or "(?!)",
    conda:
        "../envs/features.yaml"
    threads: 1
    resources:
        mem_mb=resource("features", "mem_mb"),
        runtime=resource("features", "runtime"),
    params:
        representation=lambda wildcards: wildcards.representation,
        params=lambda wildcards: representation_params(wildcards.representation),
        audio=config["audio"],
    script:
        "../scripts/features.py"


use rule features as features_l3 with:
    benchmark:
        paths.BENCHMARKS["features_l3"]
    # L3 (OpenL3) embeddings, stored like the other representations (without energy). Runs
    # torchopenl3 in its own environment, on a GPU when the job has one; the weights file was
    # checked (or fetched) before any job started.
    wildcard_constraints:
        representation=L3,
    conda:
        "../envs/l3.yaml"
    threads: 2
    resources:
        mem_mb=resource("l3", "mem_mb"),
        runtime=resource("l3", "runtime"),
