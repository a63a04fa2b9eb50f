# A feature store (zarr) of one representation of one part of a dataset (a device, or a slice
# of an external dataset), and the files its job left out; the sample and metrics jobs read them.
FEATURE_STORE = "results/features/{dataset}/{representation}/{part}.zarr"
FEATURE_EXCLUDED = "results/features/{dataset}/{representation}/{part}.excluded.tsv"


if PLAN.spectral:

    rule features:
        """Frames x features of every spectral representation (log-STFT, log-mel) for one part
        of a dataset (a device, or a slice of an external dataset), with file offsets and
        per-frame energy, one zarr store per representation. Each file is decoded once and
        transformed by one STFT, on the job's threads."""
        input:
            manifest=rules.manifest.output.manifest,
            audio=part_audio,
        output:
            stores=directory(for_representations(FEATURE_STORE, PLAN.spectral)),
            excluded=for_representations(FEATURE_EXCLUDED, PLAN.spectral),
        log:
            "results/logs/features/{dataset}/{part}.log",
        benchmark:
            "results/benchmarks/features/{dataset}/{part}.tsv"
        conda:
            "../envs/features.yaml"
        threads: 2
        resources:
            mem_mb=resource("features", "mem_mb"),
            runtime=resource("features", "runtime"),
        params:
            representations=PLAN.spectral,
            params=lambda wildcards: {
                r: representation_params(r) for r in PLAN.spectral
            },
            audio=config["audio"],
        script:
            "../scripts/features.py"


if L3 in PLAN.representations:

    rule features_l3:
        """L3 (OpenL3) embeddings of one part of a dataset, stored like the other
        representations (without energy). Runs torchopenl3 in its own environment, on a GPU
        when the job has one; the weights file was checked (or fetched) before any job
        started."""
        input:
            manifest=rules.manifest.output.manifest,
            audio=part_audio,
        output:
            stores=directory(for_representations(FEATURE_STORE, [L3])),
            excluded=for_representations(FEATURE_EXCLUDED, [L3]),
        log:
            "results/logs/features_l3/{dataset}/{part}.log",
        benchmark:
            "results/benchmarks/features_l3/{dataset}/{part}.tsv"
        conda:
            "../envs/l3.yaml"
        threads: 2
        resources:
            mem_mb=resource("l3", "mem_mb"),
            runtime=resource("l3", "runtime"),
        params:
            representations=[L3],
            params=lambda wildcards: {L3: representation_params(L3)},
            audio=config["audio"],
        script:
            "../scripts/features.py"
