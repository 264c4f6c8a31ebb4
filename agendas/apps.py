from django.apps import AppConfig


class AgendasConfig(AppConfig):
    name = "agendas"

    def ready(self) -> None:
        from agendas import regions

        regions.register()
