rule sample:
    """Choose the windows of one scope at one stack: which file, which frames, what metadata.
    A scope without windows gets an empty table and a status that says why."""
    input:
        stores=lambda wildcards: list(scope_stores(wildcards).values()),
        manifests=scope_manifests,
    output:
        sample=paths.SAMPLE,
        status=paths.SAMPLE_STATUS,
    log:
        "results/logs/sample/{representation}/stack{stack}/{scope}.log",
    benchmark:
        paths.BENCHMARKS["sample"]
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
    the feature stores the sample draws from (optionally reduced by PCA), finds their exact
    nearest neighbours (faiss) and hands that graph to umap-learn (or cuML on a GPU). An empty sample, or one too small for UMAP, gives
    an empty table and a status that says why."""
    input:
        sample=paths.SAMPLE,
        status=paths.SAMPLE_STATUS,
        stores=lambda wildcards: list(scope_stores(wildcards).values()),
    output:
        umap=paths.EMBEDDING,
        status=paths.EMBEDDING_STATUS,
    log:
        "results/logs/umap/{representation}/stack{stack}/{scope}.log",
    benchmark:
        paths.BENCHMARKS["umap"]
    conda:
        "../envs/umap.yaml"
    threads: umap_threads
    resources:
        mem_mb=resource("umap", "mem_mb"),
        runtime=resource("umap", "runtime"),
    params:
        umap=config["umap"],
        pca=lambda wildcards: PLAN.pca(wildcards.representation),
    script:
        "../scripts/embed.py"
