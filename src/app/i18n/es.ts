/**
 * Spanish words of the built-in pages.
 *
 * @module
 */
import type { PageTexts } from './types.js';

/** Español. */
export const es: PageTexts = {
  chooserTitle: 'Iniciar sesión',
  signInWith: 'Iniciar sesión con {provider}',
  rememberMe: 'Mantener la sesión iniciada en este dispositivo',
  repostTitle: 'Iniciando sesión…',
  repostButton: 'Continuar con el inicio de sesión',
  logoutTitle: 'Cerrar sesión',
  logoutHeading: '¿Cerrar sesión?',
  signedInAs: 'Has iniciado sesión como {who}.',
  signedIn: 'Has iniciado sesión.',
  signOutButton: 'Cerrar sesión',
  staySignedIn: 'Mantener la sesión',
  signedOutTitle: 'Sesión cerrada',
  signedOutHeading: 'Has cerrado la sesión',
  continueLink: 'Continuar',
  signInAgainLink: 'Volver a iniciar sesión',
  reference: 'Referencia: {reference}. Si esto sigue ocurriendo, contacta con el soporte del sitio e indica esta referencia.',
  tryAgain: 'Reintentar',
  backHome: 'Volver a la página de inicio',
  errors: {
    unavailable: {
      title: 'No disponible temporalmente',
      message: 'El servicio de inicio de sesión no responde en este momento. Inténtalo de nuevo en unos minutos.',
    },
    unusableAnswer: {
      title: 'Error al iniciar sesión',
      message: 'El servicio de inicio de sesión envió una respuesta que no pudimos usar. Inténtalo de nuevo más tarde.',
    },
    notVerified: {
      title: 'Error al iniciar sesión',
      message: 'No pudimos verificar este inicio de sesión, así que no se ha cambiado nada. Vuelve a iniciar sesión.',
    },
    expired: {
      title: 'Inicio de sesión caducado',
      message: 'Este inicio de sesión tardó demasiado o se empezó en otro navegador o pestaña. Vuelve a iniciar sesión.',
    },
    signInAgain: { title: 'Inicia sesión', message: 'Tu sesión ha terminado. Vuelve a iniciar sesión.' },
    signedOut: { title: 'Sesión cerrada', message: 'Has cerrado la sesión en este sitio.' },
    ourSide: { title: 'Algo ha fallado', message: 'Algo ha fallado por nuestra parte. Inténtalo de nuevo en unos minutos.' },
    notProcessed: { title: 'Solicitud no aceptada', message: 'No se pudo procesar esta solicitud. Vuelve atrás e inténtalo de nuevo.' },
    tokenError: { title: 'Error al iniciar sesión', message: 'No pudimos completar tu inicio de sesión. Inténtalo de nuevo en unos minutos.' },
    returnToInvalid: { title: 'Enlace no válido', message: 'Este enlace de inicio de sesión no es válido. Vuelve atrás e inténtalo de nuevo.' },
    loginRejected: { title: 'Inicio de sesión no permitido', message: 'Esta cuenta no puede iniciar sesión aquí.' },
    accountNotLinked: {
      title: 'La cuenta ya existe',
      message: 'Ya existe una cuenta con esta dirección de correo. Inicia sesión como lo hiciste antes y luego vincula este método desde tu perfil.',
    },
    accountAlreadyLinked: { title: 'Ya vinculado', message: 'Este inicio de sesión ya está vinculado a otra cuenta.' },
    lastLoginMethod: { title: 'No se puede quitar', message: 'Es tu única forma de iniciar sesión. Añade otra antes de quitarla.' },
    unauthenticated: { title: 'Inicia sesión', message: 'Inicia sesión para continuar.' },
    forbidden: { title: 'No permitido', message: 'No tienes acceso a esto.' },
    csrfFailed: {
      title: 'Solicitud rechazada',
      message: 'No se pudo verificar esta solicitud. Vuelve atrás, recarga la página e inténtalo de nuevo.',
    },
    notFound: { title: 'Página no encontrada', message: 'No hay nada en esta dirección.' },
    providerUnknown: { title: 'Página no encontrada', message: 'Este método de inicio de sesión no está disponible.' },
    methodNotAllowed: { title: 'Solicitud no aceptada', message: 'Esta dirección no se puede usar de esta forma.' },
    storageUnavailable: {
      title: 'No disponible temporalmente',
      message: 'Este servicio no está disponible temporalmente. Inténtalo de nuevo en unos minutos.',
    },
    authorizationFailed: { title: 'Error al iniciar sesión', message: 'El servicio de inicio de sesión no pudo iniciar tu sesión. Inténtalo de nuevo.' },
    accessDenied: {
      title: 'Inicio de sesión cancelado',
      message: 'Se canceló el inicio de sesión o no se permitió el acceso. No se ha cambiado nada.',
    },
    loginRequired: { title: 'Inicia sesión', message: 'Vuelve a iniciar sesión para continuar.' },
    consentRequired: { title: 'Inicia sesión', message: 'Vuelve a iniciar sesión y permite el acceso para continuar.' },
    rateLimited: { title: 'Demasiados intentos', message: 'Ha habido demasiados intentos desde su red. Espere un momento y vuelva a intentarlo.' },
  },
};
