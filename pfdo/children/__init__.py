"""Children as the system knows them: identity (ФИО, date of birth, sex, document, СНИЛС),
the checks of identity data and the keys that say two records are one child. Certificates,
the family's cabinet and privacy build on it."""
