from django.core.management.base import BaseCommand, CommandError

from content.curriculum import CURRICULUM_DIR, CurriculumError, curriculum_load


class Command(BaseCommand):
    help = "Build the curriculum pages from content/curriculum/ (creates what is missing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--update",
            action="store_true",
            help="Publish new revisions for pages whose source changed (never over an edit).",
        )
        parser.add_argument("--root", default=str(CURRICULUM_DIR), help="Curriculum folder.")

    def handle(self, *args, **options):
        from pathlib import Path

        try:
            report = curriculum_load(root=Path(options["root"]), update=options["update"])
        except CurriculumError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Curriculum: {len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged, {len(report.kept_edits)} kept (edited in Wagtail), "
            f"{len(report.kept_questions)} questions kept, {len(report.retired_questions)} retired."
        )
        for line in report.kept_lines():
            self.stdout.write(line)
        for label in report.retired_questions:
            self.stdout.write(f"  retired question: {label}")
