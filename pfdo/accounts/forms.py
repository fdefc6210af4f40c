"""Account forms. Rules come from pfdo.accounts.validation/passwords, the same ones the
services apply, so the form shows every problem at once and the service has the last word."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, StringField, TelField
from wtforms.validators import ValidationError

from pfdo.accounts.passwords import password_problem
from pfdo.accounts.validation import name_problem, normalize_email, normalize_phone
from pfdo.forms import BaseForm, problem_validator, required


def email_check(form, field):
    try:
        normalize_email(field.data or "")
    except ValueError as error:
        raise ValidationError(str(error)) from error


def phone_check(form, field):
    if (field.data or "").strip() and normalize_phone(field.data) is None:
        raise ValidationError("Номер телефона в формате +7 (914) 123-45-67")


def new_password_check(form, field):
    email = getattr(form, "email", None)
    phone = getattr(form, "phone", None)
    problem = password_problem(
        field.data or "",
        email=email.data if email is not None and email.data else "",
        phone=(normalize_phone(phone.data or "") or "") if phone is not None else "",
    )
    if problem:
        raise ValidationError(problem)


def matches(other: str):
    def validate(form, field):
        if field.data != form[other].data:
            raise ValidationError("Пароли не совпадают")

    return validate


def _middle_name(form, field):
    if (field.data or "").strip():
        problem = name_problem(field.data, "отчество")
        if problem:
            raise ValidationError(problem)


class NameFields:
    last_name = StringField("Фамилия", [required("Укажите фамилию"),
                                        problem_validator(lambda v: name_problem(v, "фамилию"))])
    first_name = StringField("Имя", [required("Укажите имя"),
                                     problem_validator(lambda v: name_problem(v, "имя"))])
    middle_name = StringField("Отчество (если есть)", [_middle_name])


class LoginForm(BaseForm):
    login = StringField("Электронная почта или телефон", [required("Укажите почту или телефон")])
    password = PasswordField("Пароль", [required("Введите пароль")])


class RegistrationForm(NameFields, BaseForm):
    email = EmailField("Электронная почта",
                       [required("Укажите адрес электронной почты"), email_check])
    phone = TelField("Мобильный телефон", [required("Укажите номер телефона"), phone_check])
    password = PasswordField("Пароль", [required("Придумайте пароль"), new_password_check])
    password_confirm = PasswordField(
        "Пароль ещё раз", [required("Повторите пароль"), matches("password")]
    )
    consent = BooleanField("Я даю согласие на обработку персональных данных")

    def validate_consent(self, field):
        if not field.data:
            raise ValidationError(
                "Без согласия на обработку персональных данных мы не можем выдать сертификат"
            )


class ChangePasswordForm(BaseForm):
    current_password = PasswordField("Текущий пароль", [required("Введите текущий пароль")])
    new_password = PasswordField("Новый пароль", [required("Придумайте новый пароль"),
                                                  new_password_check])
    confirm_password = PasswordField(
        "Новый пароль ещё раз", [required("Повторите новый пароль"), matches("new_password")]
    )


class ForgotPasswordForm(BaseForm):
    login = StringField("Электронная почта или телефон", [required("Укажите почту или телефон")])


class ResetPasswordForm(BaseForm):
    new_password = PasswordField("Новый пароль", [required("Придумайте новый пароль"),
                                                  new_password_check])
    confirm_password = PasswordField(
        "Новый пароль ещё раз", [required("Повторите новый пароль"), matches("new_password")]
    )
