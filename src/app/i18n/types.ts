/**
 * The words of the built-in pages, one {@link PageTexts} per language.
 *
 * @module
 */

/** The words of an error page, or the `message` of a JSON error in production. */
export interface EndUserText {
  /** The page title and heading. */
  readonly title: string;
  /** What happened and what to do, in plain words. */
  readonly message: string;
}

/** The situations an error page words differently (`error-texts.ts` maps each error code to one). */
export const ERROR_TEXT_KEYS = [
  'unavailable',
  'unusableAnswer',
  'notVerified',
  'expired',
  'signInAgain',
  'signedOut',
  'ourSide',
  'notProcessed',
  'tokenError',
  'returnToInvalid',
  'loginRejected',
  'accountNotLinked',
  'accountAlreadyLinked',
  'lastLoginMethod',
  'unauthenticated',
  'forbidden',
  'csrfFailed',
  'notFound',
  'providerUnknown',
  'methodNotAllowed',
  'storageUnavailable',
  'authorizationFailed',
  'accessDenied',
  'loginRequired',
  'consentRequired',
  'rateLimited',
] as const;

/** One situation of {@link ERROR_TEXT_KEYS}. */
export type ErrorTextKey = (typeof ERROR_TEXT_KEYS)[number];

/**
 * Every word the built-in pages show, in one language. `{name}` marks a value filled in (and
 * escaped) when the page is rendered; each text that has one must keep it.
 */
export interface PageTexts {
  /** The chooser's title and heading. */
  readonly chooserTitle: string;
  /** A chooser link: `{provider}` is the provider's name. */
  readonly signInWith: string;
  /** The chooser's checkbox asking to keep the session after the browser closes (`session.remember: 'ask'`). */
  readonly rememberMe: string;
  /** The title of the page that re-posts a `form_post` callback. */
  readonly repostTitle: string;
  /** Its button, shown when scripts are off. */
  readonly repostButton: string;
  /** The sign-out confirmation's title. */
  readonly logoutTitle: string;
  /** Its heading. */
  readonly logoutHeading: string;
  /** Who is signed in: `{who}` is a name or an email. */
  readonly signedInAs: string;
  /** The same, when no name or email is known. */
  readonly signedIn: string;
  /** The sign-out button. */
  readonly signOutButton: string;
  /** The link that keeps the session. */
  readonly staySignedIn: string;
  /** The title of the page shown when there is nothing to sign out of. */
  readonly signedOutTitle: string;
  /** Its heading. */
  readonly signedOutHeading: string;
  /** Its link onwards. */
  readonly continueLink: string;
  /** Its link to the sign-in. */
  readonly signInAgainLink: string;
  /** The reference line of an error page: `{reference}` is the id of the log line. */
  readonly reference: string;
  /** The "try again" link of a failed sign-in. */
  readonly tryAgain: string;
  /** The link home of an error page. */
  readonly backHome: string;
  /** The error pages' titles and messages. */
  readonly errors: Readonly<Record<ErrorTextKey, EndUserText>>;
}

/** The placeholder each text must keep. */
export const REQUIRED_PLACEHOLDERS: Readonly<Partial<Record<keyof PageTexts, string>>> = {
  signInWith: '{provider}',
  signedInAs: '{who}',
  reference: '{reference}',
};
