from audio_umaps.explore import assets as _explore_assets

# A scope's clips: the audio its explorer plays, kept apart from the pages so that remaking the
# pages (a changed template) never re-encodes it.
EXPLORE_CLIPS = "results/clips/{scope}"
EXPLORE_CLIPS_BENCHMARK = "results/benchmarks/explore_clips/{scope}.tsv"


# The pages job's estimate: the explorer's for its largest map, with no clip to encode.
ESTIMATES["explore_pages"] = lambda wildcards, input: _resources.explore(
    max(map(tsv_rows, input.umaps), default=0), 0
)


rule explore_clips:
    """A scope's audio clips: for every file a sampled window of any of the scope's maps comes
    from, the span those windows need plus explore.margin, of the normalised signal at
    audio.sample_rate (Ogg Opus; FLAC at rates Opus does not take), and clips.tsv (which clip
    holds which file from which second, or why there is none)."""
    input:
        umaps=lambda wildcards: PLAN.scope_embeddings(wildcards.scope),
        statuses=lambda wildcards: PLAN.scope_embeddings(
            wildcards.scope, paths.EMBEDDING_STATUS
        ),
        audio=lambda wildcards: PLAN.scope_audio(wildcards.scope),
    output:
        directory(EXPLORE_CLIPS),
    log:
        "results/logs/explore_clips/{scope}.log",
    benchmark:
        EXPLORE_CLIPS_BENCHMARK
    conda:
        "../envs/explore.yaml"
    threads: explore_threads
    resources:
        mem_mb=resource("explore", "mem_mb"),
        runtime=resource("explore", "runtime"),
    params:
        maps=PLAN.maps(),
        representation_params={
            r: representation_params(r) for r in PLAN.representations
        },
        margin=config["explore"]["margin"],
        audio=config["audio"],
    script:
        "../scripts/explore_clips.py"


rule explore:
    """A scope's explorer: a page per representation x stack (Bokeh; hover, click to hear a
    window, linked selection across the scope's maps), the maps' data, the scope's clips (hard
    links into its clips folder, or copies) and Bokeh's JavaScript, in one self-contained
    folder that works opened from disk. Its templates and static files are inputs: changing one
    remakes the pages, not the clips."""
    input:
        umaps=lambda wildcards: PLAN.scope_embeddings(wildcards.scope),
        statuses=lambda wildcards: PLAN.scope_embeddings(
            wildcards.scope, paths.EMBEDDING_STATUS
        ),
        scores=explore_scores,
        clips=EXPLORE_CLIPS,
        assets=_explore_assets.files(),
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
    threads: 1
    resources:
        mem_mb=resource("explore_pages", "mem_mb"),
        runtime=resource("explore_pages", "runtime"),
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
        sample_rate=config["audio"]["sample_rate"],
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
