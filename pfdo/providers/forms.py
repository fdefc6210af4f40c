"""Provider forms: the public application, the profile, documents, the coordinator's
decision and the lists' filters. Rules come from pfdo.providers.validation and
pfdo.storage, the same the services apply; the services have the last word."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, StopValidation, ValidationError

from pfdo import phones
from pfdo.accounts.forms import NameFields, email_check, matches, new_password_check, phone_check
from pfdo.accounts.services import PersonName
from pfdo.errors import DomainError
from pfdo.forms import BaseForm, DateField, FilterForm, required
from pfdo.municipality import services as municipality
from pfdo.providers import cleaning, review
from pfdo.providers.models import (
    DESCRIPTION_MAX,
    DOCUMENT_KIND_LABELS,
    LEGAL_FORM_LABELS,
    PROVIDER_STATUS_LABELS,
    REJECTION_REASON_MAX,
    DocumentKind,
    LegalForm,
    Provider,
    ProviderStatus,
)
from pfdo.providers.validation import inn_problem, ogrn_problem
from pfdo.storage import read_upload

LEGAL_FORM_CHOICES = [SelectChoice("", "Выберите форму")] + [
    SelectChoice(str(form), f"{label} — {title}")
    for form, (label, title, _) in LEGAL_FORM_LABELS.items()
]
PDF = {"accept": "application/pdf,.pdf"}



def _length(limit: int) -> Length:
    """At most `limit` characters (the column's length), refused beside the field."""
    return Length(max=limit, message=f"Не длиннее {limit} символов")

def _individual(form) -> bool:
    legal_form = getattr(form, "legal_form", None)
    if legal_form is None:  # an approved provider's form is fixed, not on the page
        return getattr(form, "fixed_legal_form", "") == LegalForm.IP
    return legal_form.data == LegalForm.IP


def _identifier(check):
    def validate(form, field):
        problem = check(field.data or "", individual=_individual(form))
        if problem:
            raise ValidationError(problem)

    validate.field_flags = {"required": True}
    return validate


def _licence_required(message: str):
    """Required unless the legal form is ИП (an entrepreneur teaching alone needs none)."""

    def validate(form, field):
        if _individual(form):
            return
        if field.data is None or (isinstance(field.data, str) and not field.data.strip()):
            field.errors[:] = []
            raise StopValidation(message)

    return validate


def _pdf(*, required_message: str | None = None, unless_individual: bool = False):
    """Read the chosen file through storage.read_upload (a PDF by content, ≤ 10 MB, not
    empty) and keep the checked Upload on the field as `field.upload`."""

    def validate(form, field):
        field.upload = None
        is_required = required_message is not None and not (
            unless_individual and _individual(form))
        try:
            field.upload = read_upload(field.data, field=field.name, required=False)
        except DomainError as error:
            raise StopValidation(error.message) from error
        if field.upload is None and is_required:
            raise StopValidation(required_message)

    if required_message is not None and not unless_individual:
        validate.field_flags = {"required": True}
    return validate


class ProviderFields:
    """What a provider tells about itself (the application and the profile)."""

    legal_form = SelectField("Организационно-правовая форма", [required("Выберите форму")],
                             choices=LEGAL_FORM_CHOICES, validate_choice=True)
    full_name = StringField("Полное наименование", [required("Укажите полное наименование"),
                                                    _length(300)],
                            description="Как в уставе; для ИП — «Индивидуальный "
                                        "предприниматель Фамилия Имя Отчество»")
    short_name = StringField("Краткое наименование", [required("Укажите краткое наименование"),
                                                      _length(150)],
                             description="Так вас увидят семьи в навигаторе, например "
                                         "«ЦДТ „Радуга“» или «ИП Кузнецова А. В.»")
    inn = StringField("ИНН", [_identifier(inn_problem)],
                      description="10 цифр для организации, 12 — для ИП",
                      render_kw={"inputmode": "numeric", "autocomplete": "off"})
    ogrn = StringField("ОГРН / ОГРНИП", [_identifier(ogrn_problem)],
                       description="ОГРН организации — 13 цифр, ОГРНИП — 15",
                       render_kw={"inputmode": "numeric", "autocomplete": "off"})
    address = StringField("Адрес", [required("Укажите адрес"), _length(300)],
                          description="Где проходят занятия или юридический адрес")
    district = StringField("Район (необязательно)", [_length(100)])
    phone = TelField("Телефон", [required("Укажите номер телефона"), phone_check])
    email = EmailField("Электронная почта", [required("Укажите адрес электронной почты"),
                                             email_check])
    website = StringField("Сайт (необязательно)", [_length(200)])
    licence_number = StringField(
        "Номер лицензии на образовательную деятельность",
        [_licence_required("Укажите номер лицензии на образовательную деятельность"),
         _length(50)],
        description="Индивидуальному предпринимателю, который ведёт занятия сам, лицензия "
                    "не нужна")
    licence_date = DateField("Дата выдачи лицензии",
                             [_licence_required("Укажите дату выдачи лицензии"), Optional()])
    description = TextAreaField("Коротко об организации (необязательно)",
                                [_length(DESCRIPTION_MAX)], render_kw={"rows": 4},
                                description=f"До {DESCRIPTION_MAX} символов")

    def provider_data(self, *, provider: Provider | None = None) -> cleaning.ProviderData:
        """The command for the services; an approved provider's fixed fields come from it."""

        def value(name: str) -> str:
            if name in cleaning.IDENTITY_FIELDS and provider is not None and name not in self:
                return getattr(provider, name)
            return self[name].data or ""

        return cleaning.ProviderData(
            legal_form=value("legal_form"), full_name=value("full_name"),
            short_name=value("short_name"), inn=value("inn"), ogrn=value("ogrn"),
            address=value("address"), phone=self.phone.data or "",
            email=self.email.data or "", district=self.district.data or "",
            website=self.website.data or "", licence_number=self.licence_number.data or "",
            licence_date=None if self.licence_date.errors else self.licence_date.data,
            description=self.description.data or "",
            contact_name=self["contact_name"].data if "contact_name" in self else "")


class ApplicationForm(ProviderFields, NameFields, BaseForm):
    """The public application: the provider, the contact person (who gets the account), the
    documents, the password and the consent."""

    charter_file = FileField(
        "Устав (для ИП — свидетельство о регистрации или лист записи ЕГРИП)",
        [_pdf(required_message="Приложите устав (для ИП — лист записи ЕГРИП) в формате PDF")],
        render_kw=PDF)
    egrul_file = FileField("Выписка из ЕГРЮЛ / ЕГРИП",
                           [_pdf(required_message="Приложите выписку из ЕГРЮЛ (ЕГРИП) в "
                                                  "формате PDF")],
                           render_kw=PDF)
    licence_file = FileField(
        "Лицензия на образовательную деятельность",
        [_pdf(required_message="Приложите лицензию в формате PDF", unless_individual=True)],
        description="Не нужна индивидуальному предпринимателю, который ведёт занятия сам",
        render_kw=PDF)
    other_file = FileField("Другой документ (необязательно)", [_pdf()], render_kw=PDF)
    password = PasswordField("Пароль", [required("Придумайте пароль"), new_password_check])
    password_confirm = PasswordField(
        "Пароль ещё раз", [required("Повторите пароль"), matches("password")])
    consent = BooleanField("Я даю согласие на обработку персональных данных")

    def validate_consent(self, field):
        if not field.data:
            raise ValidationError("Без согласия на обработку персональных данных заявку "
                                  "не принять")

    FILE_FIELDS = ("charter_file", "egrul_file", "licence_file", "other_file")

    def documents(self) -> dict:
        """kind -> the checked Upload or None (call after validate())."""
        return {str(kind): getattr(self[name], "upload", None)
                for kind, name in cleaning.DOCUMENT_FIELDS.items()}

    def application(self) -> cleaning.Application:
        return cleaning.Application(
            provider=self.provider_data(),
            contact=PersonName(self.last_name.data or "", self.first_name.data or "",
                               self.middle_name.data or ""),
            password=self.password.data or "", consent=bool(self.consent.data),
            documents=self.documents())


class ProfileForm(ProviderFields, BaseForm):
    """The provider's profile; once approved the identifiers are removed from it (shown as
    text, and the service refuses changing them anyway)."""

    contact_name = StringField("Контактное лицо (ФИО)", [required("Укажите контактное лицо"),
                                                         _length(200)])

    @classmethod
    def for_provider(cls, provider: Provider, *, submitted: bool) -> ProfileForm:
        """The posted form, or (on GET) the form filled from the provider."""
        if submitted:
            form = cls()
        else:
            form = cls(**{name: getattr(provider, name) for name in (
                "legal_form", "full_name", "short_name", "inn", "ogrn", "address", "district",
                "phone", "email", "website", "licence_number", "licence_date", "description",
                "contact_name")})
            form.phone.data = phones.format_phone(provider.phone, municipality.local_area_codes())
        form.fixed_legal_form = provider.legal_form
        if provider.is_approved:
            for name in cleaning.IDENTITY_FIELDS:
                delattr(form, name)
        return form


class DocumentForm(BaseForm):
    kind = SelectField("Вид документа",
                       choices=[SelectChoice(str(kind), label[:1].upper() + label[1:])
                                for kind, label in DOCUMENT_KIND_LABELS.items()],
                       validate_choice=True, default=DocumentKind.OTHER)
    file = FileField("Файл PDF", [_pdf(required_message="Выберите файл в формате PDF")],
                     description="Не больше 10 МБ", render_kw=PDF)


class RejectionForm(BaseForm):
    reason = TextAreaField("Причина отказа", [required("Напишите причину отказа: её прочитает "
                                                       "поставщик"), _length(REJECTION_REASON_MAX)],
                           description="Её прочитает поставщик: напишите, что исправить или "
                                       "какой документ приложить.",
                           render_kw={"rows": 4})


#: the queue's value for "every status"
ALL = "all"


class QueueFilterForm(FilterForm):
    status = SelectField("Статус", default=ProviderStatus.SUBMITTED, validate_choice=False,
                         choices=[SelectChoice(str(s), label.capitalize())
                                  for s, label in PROVIDER_STATUS_LABELS.items()]
                         + [SelectChoice(ALL, "Все")])
    q = StringField("Поиск", description="Название или ИНН")
    legal_form = SelectField("Форма", validate_choice=False,
                             choices=[SelectChoice("", "Все формы")] + [
                                 SelectChoice(str(form), label)
                                 for form, (label, _, _) in LEGAL_FORM_LABELS.items()])

    def queue_filter(self) -> review.QueueFilter:
        status = self.status.data or ProviderStatus.SUBMITTED
        if status == ALL:
            status = ""
        elif status not in {str(s) for s in ProviderStatus}:
            status = ProviderStatus.SUBMITTED
        legal_form = self.legal_form.data or ""
        if legal_form not in {str(f) for f in LegalForm}:
            legal_form = ""
        return review.QueueFilter(status=status, query=self.q.data or "",
                                    legal_form=legal_form)
