from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "training_site.accounts"
    label = "accounts"
    verbose_name = "Accounts"
