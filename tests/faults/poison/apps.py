from django.apps import AppConfig


class PoisonConfig(AppConfig):
    name = "tests.faults.poison"
    label = "faults_poison"

    def ready(self) -> None:
        from tests.faults.poison import kinds  # noqa: F401  (registers the job kinds)
