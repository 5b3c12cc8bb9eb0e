from django.core.management.base import BaseCommand, CommandError

from training_site.consistency import consistency_run


class Command(BaseCommand):
    help = (
        "Report records that disagree with each other (checks listed in CONSISTENCY_CHECKS). "
        "Exits non-zero when anything is found, or with --fix when anything is left unfixed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix", action="store_true", help="Queue again what can be queued again (renders, certificates)."
        )

    def handle(self, *args, **options):
        findings = consistency_run(fix=options["fix"])
        for finding in findings:
            self.stdout.write(str(finding))
        unfixed = [finding for finding in findings if not finding.fixed]
        if not findings:
            self.stdout.write(self.style.SUCCESS("Consistent: no findings."))
            return
        fixed = len(findings) - len(unfixed)
        summary = f"{len(findings)} finding(s), {fixed} fixed, {len(unfixed)} left."
        if unfixed or not options["fix"]:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
