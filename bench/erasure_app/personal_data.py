from apps.personal_data.registry import Action, Category, PersonalField, register
from bench.erasure_app.models import BENCH_MODELS

# Half the tables delete their rows, half anonymise them field by field: both paths are measured.
for index, model in enumerate(BENCH_MODELS):
    register(
        model,
        subject="user",
        erase=Action.DELETE_ROW if index % 2 == 0 else Action.NULL,
        purpose="Benchmark table",
        fields=[
            PersonalField("title", Category.CONTENT, Action.FIXED, value="[erased]"),
            PersonalField("body", Category.CONTENT, Action.FIXED, value=""),
        ],
    )
