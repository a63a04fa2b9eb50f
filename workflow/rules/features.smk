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


if PLAN.stored_of_kind("onnx"):

    rule features_onnx:
        """Frames x features of one ONNX model (a representation of kind onnx) for one part of a
        dataset, stored like the other representations (without energy). Runs onnxruntime in
        its own environment on the job's threads, batch_size files at a time; the model file's
        checksum is a parameter (and a store attribute), so a changed model reruns the job.
        """
        input:
            manifest=rules.manifest.output.manifest,
            audio=part_audio,
            model=lambda wildcards: PLAN.params[wildcards.representation]["model"],
        output:
            stores=directory(FEATURE_STORE),
            excluded=FEATURE_EXCLUDED,
        log:
            "results/logs/features_onnx/{dataset}/{representation}/{part}.log",
        benchmark:
            "results/benchmarks/features_onnx/{dataset}/{representation}/{part}.tsv"
        wildcard_constraints:
            representation=one_of(PLAN.stored_of_kind("onnx")),
        conda:
            "../envs/onnx.yaml"
        threads: 2
        resources:
            mem_mb=resource("onnx", "mem_mb"),
            runtime=resource("onnx", "runtime"),
        params:
            representations=lambda wildcards: [wildcards.representation],
            params=lambda wildcards: {
                wildcards.representation: representation_params(
                    wildcards.representation
                )
            },
            audio=config["audio"],
        script:
            "../scripts/features.py"


if PLAN.stored_of_kind("embeddings"):

    rule features_embeddings:
        """Precomputed embeddings (a representation of kind embeddings) of one part of a
        dataset, read from the files under the representation's root and stored like the other
        representations; a file whose embedding is missing, of other dims, not finite or of a
        frame count that does not fit its audio is listed in the dataset's exclusion report.
        """
        input:
            manifest=rules.manifest.output.manifest,
            embeddings=embedding_files,
        output:
            stores=directory(FEATURE_STORE),
            excluded=FEATURE_EXCLUDED,
        log:
            "results/logs/features_embeddings/{dataset}/{representation}/{part}.log",
        benchmark:
            "results/benchmarks/features_embeddings/{dataset}/{representation}/{part}.tsv"
        wildcard_constraints:
            representation=one_of(PLAN.stored_of_kind("embeddings")),
        conda:
            "../envs/features.yaml"
        threads: 1
        resources:
            mem_mb=resource("embeddings", "mem_mb"),
            runtime=resource("embeddings", "runtime"),
        params:
            params=lambda wildcards: representation_params(wildcards.representation),
            audio=config["audio"],
        script:
            "../scripts/features_embeddings.py"
