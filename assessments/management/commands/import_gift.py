from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.services.gift_import import (
    GiftImportError,
    bank_path_errors,
    question_bank_import_gift,
    tag_errors,
)


class Command(BaseCommand):
    help = "Import questions from a Moodle GIFT file (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the .gift file, or - for standard input.")
        parser.add_argument("--bank", help="Bank path for every question (overrides $CATEGORY).")
        parser.add_argument("--tag", action="append", default=[], help="Competency tag (repeatable).")

    def handle(self, *args, **options):
        import sys

        source = options["file"]
        if options["bank"] and (errors := bank_path_errors(options["bank"])):
            raise CommandError(" ".join(errors))
        if errors := tag_errors(options["tag"]):
            raise CommandError(" ".join(errors))
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {source}: {error}") from error
        try:
            report = question_bank_import_gift(text=text, bank_path=options["bank"], tags=options["tag"])
        except GiftImportError as error:
            raise CommandError(f"{source}: nothing imported.\n{error}") from error
        self.stdout.write(f"Imported {len(report.created)} new and {len(report.updated)} updated questions.")
