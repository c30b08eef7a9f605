/**
 * French words of the built-in pages.
 *
 * @module
 */
import type { PageTexts } from './types.js';

/** Français. */
export const fr: PageTexts = {
  chooserTitle: 'Connexion',
  signInWith: 'Se connecter avec {provider}',
  rememberMe: 'Rester connecté sur cet appareil',
  repostTitle: 'Connexion en cours…',
  repostButton: 'Continuer la connexion',
  logoutTitle: 'Déconnexion',
  logoutHeading: 'Se déconnecter ?',
  signedInAs: 'Session ouverte au nom de {who}.',
  signedIn: 'Votre session est ouverte.',
  signOutButton: 'Se déconnecter',
  staySignedIn: 'Garder la session ouverte',
  signedOutTitle: 'Session fermée',
  signedOutHeading: 'Votre session est fermée',
  continueLink: 'Continuer',
  signInAgainLink: 'Se reconnecter',
  reference: 'Référence : {reference}. Si le problème persiste, contactez l’assistance du site en indiquant cette référence.',
  tryAgain: 'Réessayer',
  backHome: 'Retour à l’accueil',
  errors: {
    unavailable: {
      title: 'Temporairement indisponible',
      message: 'Le service de connexion ne répond pas pour le moment. Veuillez réessayer dans quelques minutes.',
    },
    unusableAnswer: { title: 'Échec de la connexion', message: 'Le service de connexion a envoyé une réponse inutilisable. Veuillez réessayer plus tard.' },
    notVerified: {
      title: 'Échec de la connexion',
      message: 'Nous n’avons pas pu vérifier cette connexion ; rien n’a été modifié. Veuillez vous reconnecter.',
    },
    expired: {
      title: 'Connexion expirée',
      message: 'Cette connexion a pris trop de temps, ou a été commencée dans un autre navigateur ou onglet. Veuillez vous reconnecter.',
    },
    signInAgain: { title: 'Veuillez vous connecter', message: 'Votre session a pris fin. Veuillez vous reconnecter.' },
    signedOut: { title: 'Session fermée', message: 'Votre session sur ce site est fermée.' },
    ourSide: { title: 'Une erreur est survenue', message: 'Une erreur est survenue de notre côté. Veuillez réessayer dans quelques minutes.' },
    notProcessed: { title: 'Requête non acceptée', message: 'Cette requête n’a pas pu être traitée. Veuillez revenir en arrière et réessayer.' },
    tokenError: { title: 'Échec de la connexion', message: 'Nous n’avons pas pu terminer votre connexion. Veuillez réessayer dans quelques minutes.' },
    returnToInvalid: { title: 'Lien non valide', message: 'Ce lien de connexion n’est pas valide. Veuillez revenir en arrière et réessayer.' },
    loginRejected: { title: 'Connexion non autorisée', message: 'Ce compte ne peut pas se connecter ici.' },
    accountNotLinked: {
      title: 'Ce compte existe déjà',
      message:
        'Un compte avec cette adresse e-mail existe déjà. Connectez-vous comme la dernière fois, puis associez ce mode de connexion depuis votre profil.',
    },
    accountAlreadyLinked: { title: 'Déjà associé', message: 'Ce mode de connexion est déjà associé à un autre compte.' },
    lastLoginMethod: { title: 'Suppression impossible', message: 'C’est votre seul moyen de connexion. Ajoutez-en un autre avant de le supprimer.' },
    unauthenticated: { title: 'Veuillez vous connecter', message: 'Veuillez vous connecter pour continuer.' },
    forbidden: { title: 'Accès refusé', message: 'Vous n’avez pas accès à cette ressource.' },
    csrfFailed: {
      title: 'Requête refusée',
      message: 'Cette requête n’a pas pu être vérifiée. Veuillez revenir en arrière, recharger la page et réessayer.',
    },
    notFound: { title: 'Page introuvable', message: 'Il n’y a rien à cette adresse.' },
    providerUnknown: { title: 'Page introuvable', message: 'Ce mode de connexion n’est pas disponible.' },
    methodNotAllowed: { title: 'Requête non acceptée', message: 'Cette adresse ne peut pas être utilisée de cette façon.' },
    storageUnavailable: {
      title: 'Temporairement indisponible',
      message: 'Ce service est temporairement indisponible. Veuillez réessayer dans quelques minutes.',
    },
    authorizationFailed: { title: 'Échec de la connexion', message: 'Le service de connexion n’a pas pu vous connecter. Veuillez réessayer.' },
    accessDenied: { title: 'Connexion annulée', message: 'La connexion a été annulée, ou l’accès n’a pas été autorisé. Rien n’a été modifié.' },
    loginRequired: { title: 'Veuillez vous connecter', message: 'Veuillez vous reconnecter pour continuer.' },
    consentRequired: { title: 'Veuillez vous connecter', message: 'Veuillez vous reconnecter et autoriser l’accès pour continuer.' },
    rateLimited: { title: 'Trop de tentatives', message: 'Trop de tentatives sont venues de votre réseau. Veuillez patienter un instant, puis réessayer.' },
  },
};
