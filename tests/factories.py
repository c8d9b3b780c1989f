import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from apps.accounts.models import LoginEvent, PublicProfile, User

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")
    country = "GB"
    preferred_language = "en"
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        # allauth requires a verified address to sign in (mandatory verification).
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class LoginEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LoginEvent

    user = factory.SubFactory(UserFactory)
    occurred_at = factory.LazyFunction(timezone.now)
    ip_address = "203.0.113.7"
    user_agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"
    device = "Computer"
    browser = "Chrome 130"
    operating_system = "Linux"
    method = LoginEvent.Method.PASSWORD
    succeeded = True


class PublicProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublicProfile

    user = factory.SubFactory(UserFactory)
    handle = factory.Sequence(lambda n: f"handle-{n}")
