/**
 * German words of the built-in pages.
 *
 * @module
 */
import type { PageTexts } from './types.js';

/** Deutsch. */
export const de: PageTexts = {
  chooserTitle: 'Anmelden',
  signInWith: 'Mit {provider} anmelden',
  rememberMe: 'Auf diesem Gerät angemeldet bleiben',
  repostTitle: 'Anmeldung läuft…',
  repostButton: 'Anmeldung fortsetzen',
  logoutTitle: 'Abmelden',
  logoutHeading: 'Abmelden?',
  signedInAs: 'Sie sind als {who} angemeldet.',
  signedIn: 'Sie sind angemeldet.',
  signOutButton: 'Abmelden',
  staySignedIn: 'Angemeldet bleiben',
  signedOutTitle: 'Abgemeldet',
  signedOutHeading: 'Sie sind abgemeldet',
  continueLink: 'Weiter',
  signInAgainLink: 'Erneut anmelden',
  reference: 'Referenz: {reference}. Wenn das wieder passiert, wenden Sie sich an den Support dieser Website und nennen Sie diese Referenz.',
  tryAgain: 'Erneut versuchen',
  backHome: 'Zur Startseite',
  errors: {
    unavailable: {
      title: 'Vorübergehend nicht verfügbar',
      message: 'Der Anmeldedienst antwortet gerade nicht. Bitte versuchen Sie es in einigen Minuten erneut.',
    },
    unusableAnswer: {
      title: 'Anmeldung fehlgeschlagen',
      message: 'Der Anmeldedienst hat eine Antwort gesendet, die wir nicht verwenden konnten. Bitte versuchen Sie es später erneut.',
    },
    notVerified: {
      title: 'Anmeldung fehlgeschlagen',
      message: 'Wir konnten diese Anmeldung nicht überprüfen, daher wurde nichts geändert. Bitte melden Sie sich erneut an.',
    },
    expired: {
      title: 'Anmeldung abgelaufen',
      message: 'Diese Anmeldung hat zu lange gedauert oder wurde in einem anderen Browser oder Tab begonnen. Bitte melden Sie sich erneut an.',
    },
    signInAgain: { title: 'Bitte anmelden', message: 'Ihre Sitzung ist beendet. Bitte melden Sie sich erneut an.' },
    signedOut: { title: 'Abgemeldet', message: 'Sie sind von dieser Website abgemeldet.' },
    ourSide: { title: 'Etwas ist schiefgelaufen', message: 'Bei uns ist etwas schiefgelaufen. Bitte versuchen Sie es in einigen Minuten erneut.' },
    notProcessed: {
      title: 'Anfrage nicht angenommen',
      message: 'Diese Anfrage konnte nicht verarbeitet werden. Bitte gehen Sie zurück und versuchen Sie es erneut.',
    },
    tokenError: {
      title: 'Anmeldung fehlgeschlagen',
      message: 'Wir konnten Ihre Anmeldung nicht abschließen. Bitte versuchen Sie es in einigen Minuten erneut.',
    },
    returnToInvalid: { title: 'Link ungültig', message: 'Dieser Anmeldelink ist ungültig. Bitte gehen Sie zurück und versuchen Sie es erneut.' },
    loginRejected: { title: 'Anmeldung nicht erlaubt', message: 'Dieses Konto darf sich hier nicht anmelden.' },
    accountNotLinked: {
      title: 'Konto existiert bereits',
      message:
        'Es gibt bereits ein Konto mit dieser E-Mail-Adresse. Melden Sie sich so an wie zuvor und verknüpfen Sie diese Anmeldemethode dann in Ihrem Profil.',
    },
    accountAlreadyLinked: { title: 'Bereits verknüpft', message: 'Diese Anmeldung ist bereits mit einem anderen Konto verknüpft.' },
    lastLoginMethod: { title: 'Entfernen nicht möglich', message: 'Dies ist Ihre einzige Anmeldemethode. Fügen Sie zuerst eine weitere hinzu.' },
    unauthenticated: { title: 'Bitte anmelden', message: 'Bitte melden Sie sich an, um fortzufahren.' },
    forbidden: { title: 'Nicht erlaubt', message: 'Sie haben keinen Zugriff darauf.' },
    csrfFailed: {
      title: 'Anfrage abgelehnt',
      message: 'Diese Anfrage konnte nicht überprüft werden. Bitte gehen Sie zurück, laden Sie die Seite neu und versuchen Sie es erneut.',
    },
    notFound: { title: 'Seite nicht gefunden', message: 'Unter dieser Adresse gibt es nichts.' },
    providerUnknown: { title: 'Seite nicht gefunden', message: 'Diese Anmeldemethode ist nicht verfügbar.' },
    methodNotAllowed: { title: 'Anfrage nicht angenommen', message: 'Diese Adresse kann so nicht verwendet werden.' },
    storageUnavailable: {
      title: 'Vorübergehend nicht verfügbar',
      message: 'Dieser Dienst ist vorübergehend nicht verfügbar. Bitte versuchen Sie es in einigen Minuten erneut.',
    },
    authorizationFailed: { title: 'Anmeldung fehlgeschlagen', message: 'Der Anmeldedienst konnte Sie nicht anmelden. Bitte versuchen Sie es erneut.' },
    accessDenied: {
      title: 'Anmeldung abgebrochen',
      message: 'Die Anmeldung wurde abgebrochen oder der Zugriff wurde nicht erlaubt. Es wurde nichts geändert.',
    },
    loginRequired: { title: 'Bitte anmelden', message: 'Bitte melden Sie sich erneut an, um fortzufahren.' },
    consentRequired: { title: 'Bitte anmelden', message: 'Bitte melden Sie sich erneut an und erlauben Sie den Zugriff, um fortzufahren.' },
    rateLimited: {
      title: 'Zu viele Versuche',
      message: 'Aus Ihrem Netzwerk kamen zu viele Versuche. Bitte warten Sie einen Moment und versuchen Sie es erneut.',
    },
  },
};
