rule explore:
    """A scope's explorer: a page per representation x stack (Bokeh; hover, click to hear a
    window, linked selection across the scope's maps), the maps' data, the audio clips the
    sampled windows need (the normalised signal at audio.sample_rate, Ogg Opus; FLAC at rates
    Opus does not take) and Bokeh's JavaScript, in one
    self-contained folder that works opened from disk."""
    input:
        umaps=lambda wildcards: PLAN.scope_embeddings(wildcards.scope),
        statuses=lambda wildcards: PLAN.scope_embeddings(
            wildcards.scope, paths.EMBEDDING_STATUS
        ),
        scores=explore_scores,
        audio=lambda wildcards: PLAN.scope_audio(wildcards.scope),
    output:
        report(
            directory(paths.EXPLORE_SCOPE),
            htmlindex="index.html",
            caption="../report/explore.rst",
            category="Explore",
            labels={"scope": "{scope}"},
        ),
    log:
        "results/logs/explore/{scope}.log",
    benchmark:
        paths.BENCHMARKS["explore"]
    conda:
        "../envs/explore.yaml"
    threads: explore_threads
    resources:
        mem_mb=resource("explore", "mem_mb"),
        runtime=resource("explore", "runtime"),
    params:
        maps=PLAN.maps(),
        scores=lambda wildcards: {
            f"{r}_stack{s}": tables
            for (r, s), tables in PLAN.scope_scores(wildcards.scope).items()
        },
        representation_params={
            r: representation_params(r) for r in PLAN.representations
        },
        systems=list(PLAN.systems),
        settings=config["explore"],
        audio=config["audio"],
        subject=lambda wildcards: scope_subject(wildcards.scope),
    script:
        "../scripts/explore.py"


rule explore_index:
    """The index of every scope's explorer pages."""
    input:
        scopes=expand(paths.EXPLORE_SCOPE, scope=PLAN.scopes),
    output:
        paths.EXPLORE_INDEX,
    log:
        "results/logs/explore_index.log",
    benchmark:
        paths.BENCHMARKS["explore_index"]
    conda:
        "../envs/explore.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/explore_index.py"
