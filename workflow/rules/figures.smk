# Every figure of the report is one job, declared once in mlp_cifar/figures.py (FIGURES): its file,
# the function that draws it, the documents it reads, its caption. This loop makes a rule of each,
# named as declared; scripts/plot_figure.py calls the function. Code dependencies: the script's
# imports and the drawing function's module, transitively (mlp_cifar.codedeps).


for _figure in FIGURES.values():

    rule:
        name:
            _figure.rule
        input:
            docs=PLAN.figure_inputs[_figure.inputs].documents,
            code=code("plot_figure.py", _figure.module),
        output:
            report(
                _figure.path,
                caption=f"../report/{_figure.caption}",
                category=_figure.category,
                subcategory="{run}" if _figure.per_run else None,
            ),
        log:
            f"logs/figures/{Path(_figure.path).stem}.log",
        conda:
            "../../envs/mlp.yaml"
        params:
            draw=_figure.draw,
            settings=PLAN.figure_params.get(_figure.params, {}),
        script:
            "../../scripts/plot_figure.py"
