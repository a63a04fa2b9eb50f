rule sample:
    """Choose the windows of one scope at one stack: which file, which frames, what metadata.
    A scope without windows gets an empty table and a status that says why."""
    input:
        stores=lambda wildcards: list(scope_stores(wildcards).values()),
        manifests=scope_manifests,
    output:
        sample="results/samples/{representation}/stack{stack}/{scope}.tsv",
        status="results/samples/{representation}/stack{stack}/{scope}.json",
    log:
        "results/logs/sample/{representation}/stack{stack}/{scope}.log",
    benchmark:
        "results/benchmarks/sample/{representation}/stack{stack}/{scope}.tsv"
    conda:
        "../envs/umap.yaml"
    threads: 1
    resources:
        mem_mb=resource("sample", "mem_mb"),
        runtime=resource("sample", "runtime"),
    params:
        stores=scope_stores,
        caps=lambda wildcards: PLAN.caps(wildcards.scope),
        seed=config["sampling"]["seed"],
    script:
        "../scripts/sample.py"


rule umap:
    """2-D UMAP of one sample, stored as the sample table plus x and y. Reads the windows from
    the feature stores the sample draws from (optionally reduced by PCA), finds their nearest
    neighbours (faiss: exact, or approximate for a large sample; neighbours.engine) and hands
    that graph to umap-learn (or cuML on a GPU). An empty sample, or one too small for UMAP,
    gives an empty table and a status that says why.
    """
    input:
        sample=rules.sample.output.sample,
        status=rules.sample.output.status,
        stores=lambda wildcards: list(scope_stores(wildcards).values()),
    output:
        umap="results/umap/{representation}/stack{stack}/{scope}.tsv",
        status="results/umap/{representation}/stack{stack}/{scope}.json",
    log:
        "results/logs/umap/{representation}/stack{stack}/{scope}.log",
    benchmark:
        "results/benchmarks/umap/{representation}/stack{stack}/{scope}.tsv"
    conda:
        "../envs/umap.yaml"
    threads: umap_threads
    resources:
        mem_mb=resource("umap", "mem_mb"),
        runtime=resource("umap", "runtime"),
    params:
        umap=config["umap"],
        pca=lambda wildcards: PLAN.pca(wildcards.representation),
        windowing=lambda wildcards: PLAN.windowing(wildcards.representation),
        search={
            k: v
            for k, v in config.get("neighbours", {}).items()
            if k in ("engine", "exact_max")
        },
    script:
        "../scripts/umap.py"
