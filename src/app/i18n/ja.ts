/**
 * Japanese words of the built-in pages.
 *
 * @module
 */
import type { PageTexts } from './types.js';

/** 日本語. */
export const ja: PageTexts = {
  chooserTitle: 'ログイン',
  signInWith: '{provider} でログイン',
  rememberMe: 'このデバイスでログインしたままにする',
  repostTitle: 'ログインしています…',
  repostButton: 'ログインを続ける',
  logoutTitle: 'ログアウト',
  logoutHeading: 'ログアウトしますか？',
  signedInAs: '{who} としてログインしています。',
  signedIn: 'ログインしています。',
  signOutButton: 'ログアウト',
  staySignedIn: 'ログインしたままにする',
  signedOutTitle: 'ログアウトしました',
  signedOutHeading: 'ログアウトしました',
  continueLink: '続ける',
  signInAgainLink: 'もう一度ログイン',
  reference: '参照番号: {reference}。この問題が続く場合は、この参照番号を添えてサイトのサポートにお問い合わせください。',
  tryAgain: 'もう一度試す',
  backHome: 'ホームページに戻る',
  errors: {
    unavailable: { title: '一時的に利用できません', message: 'ログインサービスが現在応答していません。数分後にもう一度お試しください。' },
    unusableAnswer: {
      title: 'ログインに失敗しました',
      message: 'ログインサービスから利用できない応答が返されました。しばらくしてからもう一度お試しください。',
    },
    notVerified: { title: 'ログインに失敗しました', message: 'このログインを確認できなかったため、何も変更されていません。もう一度ログインしてください。' },
    expired: {
      title: 'ログインの有効期限が切れました',
      message: 'ログインに時間がかかりすぎたか、別のブラウザーまたはタブで開始されました。もう一度ログインしてください。',
    },
    signInAgain: { title: 'ログインしてください', message: 'セッションが終了しました。もう一度ログインしてください。' },
    signedOut: { title: 'ログアウトしました', message: 'このサイトからログアウトしました。' },
    ourSide: { title: '問題が発生しました', message: 'こちら側で問題が発生しました。数分後にもう一度お試しください。' },
    notProcessed: { title: 'リクエストを受け付けられません', message: 'このリクエストを処理できませんでした。前のページに戻って、もう一度お試しください。' },
    tokenError: { title: 'ログインに失敗しました', message: 'ログインを完了できませんでした。数分後にもう一度お試しください。' },
    returnToInvalid: { title: 'リンクが無効です', message: 'このログインリンクは無効です。前のページに戻って、もう一度お試しください。' },
    loginRejected: { title: 'ログインできません', message: 'このアカウントではここにログインできません。' },
    accountNotLinked: {
      title: 'アカウントは既に存在します',
      message: 'このメールアドレスのアカウントは既に存在します。前回と同じ方法でログインしてから、プロフィールでこのログイン方法を連携してください。',
    },
    accountAlreadyLinked: { title: '既に連携されています', message: 'このログインは既に別のアカウントに連携されています。' },
    lastLoginMethod: { title: '削除できません', message: 'これは唯一のログイン方法です。削除する前に別の方法を追加してください。' },
    unauthenticated: { title: 'ログインしてください', message: '続けるにはログインしてください。' },
    forbidden: { title: 'アクセスできません', message: 'これにアクセスする権限がありません。' },
    csrfFailed: {
      title: 'リクエストが拒否されました',
      message: 'このリクエストを確認できませんでした。前のページに戻り、ページを再読み込みしてから、もう一度お試しください。',
    },
    notFound: { title: 'ページが見つかりません', message: 'このアドレスには何もありません。' },
    providerUnknown: { title: 'ページが見つかりません', message: 'このログイン方法は利用できません。' },
    methodNotAllowed: { title: 'リクエストを受け付けられません', message: 'このアドレスはこの方法では使用できません。' },
    storageUnavailable: { title: '一時的に利用できません', message: 'このサービスは一時的に利用できません。数分後にもう一度お試しください。' },
    authorizationFailed: { title: 'ログインに失敗しました', message: 'ログインサービスでログインできませんでした。もう一度お試しください。' },
    accessDenied: {
      title: 'ログインがキャンセルされました',
      message: 'ログインがキャンセルされたか、アクセスが許可されませんでした。何も変更されていません。',
    },
    loginRequired: { title: 'ログインしてください', message: '続けるにはもう一度ログインしてください。' },
    consentRequired: { title: 'ログインしてください', message: '続けるにはもう一度ログインして、アクセスを許可してください。' },
    rateLimited: { title: '試行回数が多すぎます', message: 'お使いのネットワークからの試行が多すぎます。しばらく待ってから、もう一度お試しください。' },
  },
};
