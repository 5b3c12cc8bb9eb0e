from django.core.management.base import BaseCommand

from assessments.services.gift_import import question_bank_export_gift


class Command(BaseCommand):
    help = "Write live questions as Moodle GIFT to standard output (warnings to standard error)."

    def add_arguments(self, parser):
        parser.add_argument("--bank", help="Only this bank and the banks beneath it.")
        parser.add_argument("--tag", action="append", default=[], help="Only questions with this tag.")

    def handle(self, *args, **options):
        export = question_bank_export_gift(bank_path=options["bank"], tags=options["tag"])
        for warning in export.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(export.text, ending="")
