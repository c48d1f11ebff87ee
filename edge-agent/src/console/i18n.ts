/** The console's two languages (SPEC.md 8 "Desk console"). */
export type Lang = 'es' | 'en';
export const LANGS: readonly Lang[] = ['es', 'en'];

/**
 * The language of a request: the one the staff member picked (cookie), else the first of
 * Spanish or English in the browser's Accept-Language by preference, else English.
 */
export function pickLang(chosen: string | undefined, acceptLanguage: string | undefined): Lang {
  if (chosen === 'es' || chosen === 'en') return chosen;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)/.exec(p)?.[1]).find(Boolean);
      return { base: tag.split('-')[0], q: q === undefined ? 1 : Number(q), i };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  const hit = ranked.find((x) => x.base === 'es' || x.base === 'en');
  return (hit?.base as Lang | undefined) ?? 'en';
}

/** Every reason of a decision, in words a desk agent reads at a glance. */
const REASONS: Record<string, { es: string; en: string }> = {
  OK: { es: 'Invitación válida', en: 'Valid invitation' },
  OVERRIDE: { es: 'Admitido a mano', en: 'Admitted by hand' },
  MALFORMED: { es: 'No es un código de invitación', en: 'Not an invitation code' },
  UNSUPPORTED_ALG: { es: 'Código no admitido', en: 'Unsupported code' },
  UNKNOWN_KEY: { es: 'Firma desconocida', en: 'Unknown signature key' },
  BAD_SIGNATURE: { es: 'Código falsificado', en: 'Forged code' },
  WRONG_LOUNGE: { es: 'De otra sala', en: 'For another lounge' },
  NOT_YET_VALID: { es: 'Aún no es válida', en: 'Not valid yet' },
  EXPIRED: { es: 'Caducada', en: 'Expired' },
  REVOKED: { es: 'Anulada por la aerolínea', en: 'Revoked by the airline' },
  ALREADY_USED: { es: 'Ya utilizada', en: 'Already used' },
  LOUNGE_FULL: { es: 'Sala llena', en: 'Lounge full' },
  ANNULLED: { es: 'Entrada anulada', en: 'Entry annulled' },
  ADJUST: { es: 'Recuento corregido', en: 'Count corrected' },
};

/** The words for a reason code; an unknown code is shown as it is. */
export const reasonText = (reason: string, lang: Lang): string => REASONS[reason]?.[lang] ?? reason;

const en = {
  title: 'Lounge desk',
  signIn: 'Sign in',
  signOut: 'Sign out',
  name: 'Name',
  pin: 'PIN',
  wrongPin: 'Wrong name or PIN.',
  locked: 'Too many wrong PINs: this name is locked until {time}.',
  decisions: 'Decisions',
  noDecisions: 'No decisions yet today.',
  time: 'Time',
  gate: 'Gate',
  result: 'Result',
  reason: 'Reason',
  party: 'Party',
  invitation: 'Invitation',
  grant: 'Granted',
  deny: 'Denied',
  annul: 'Annul',
  annulled: 'Annulled',
  today: 'Today',
  admitted: 'People admitted',
  denials: 'Denials',
  noDenials: 'none',
  inside: 'Inside',
  capacity: 'capacity',
  notCounted: 'not counted yet',
  health: 'Box health',
  scanners: 'Scanners',
  sync: 'Sync',
  uploads: 'Uploads to IBDP',
  clock: 'Clock',
  storage: 'Storage',
  ok: 'OK',
  warn: 'Attention',
  bad: 'Fault',
  checkCode: 'Check a code',
  code: 'Code (paste it or scan it here)',
  check: 'Check',
  admitByHand: 'Admit by hand',
  partySize: 'People in the party',
  why: 'Reason (required)',
  admit: 'Admit',
  correctCount: 'Correct the inside count',
  delta: 'People to add (+) or take away (−)',
  correct: 'Correct',
  entriesLeft: 'Entries left',
  validUntil: 'Valid until',
  wouldGrant: 'Would be let in',
  wouldDeny: 'Would be refused',
  admittedByHand: 'Admitted {n} by hand.',
  overrideFull: 'Admit over capacity',
  admittedOverCapacity: 'Admitted {n} over capacity.',
  corrected: 'Inside count corrected by {delta}.',
  annulDone: 'Entry annulled: {n} given back.',
  annulLate: 'Too late: a grant can be annulled only within 5 minutes.',
  annulTwice: 'That grant is already annulled.',
  annulUnknown: 'No such grant on this box.',
  badInput: 'Please check the form: {detail}',
  sessionOver: 'Your session has ended: sign in again.',
  pending: 'pending',
  lastError: 'last error',
  lag: 'behind',
  connected: 'connected',
  disconnected: 'disconnected',
  none: 'none configured',
  suspect: 'suspect',
  language: 'Español',
  signedInAs: 'Signed in as {name}',
};

export type Strings = typeof en;

const es: Strings = {
  title: 'Mostrador de la sala',
  signIn: 'Entrar',
  signOut: 'Salir',
  name: 'Nombre',
  pin: 'PIN',
  wrongPin: 'Nombre o PIN incorrectos.',
  locked: 'Demasiados PIN erróneos: este nombre está bloqueado hasta las {time}.',
  decisions: 'Decisiones',
  noDecisions: 'Aún no hay decisiones hoy.',
  time: 'Hora',
  gate: 'Puerta',
  result: 'Resultado',
  reason: 'Motivo',
  party: 'Personas',
  invitation: 'Invitación',
  grant: 'Acceso',
  deny: 'Denegado',
  annul: 'Anular',
  annulled: 'Anulado',
  today: 'Hoy',
  admitted: 'Personas admitidas',
  denials: 'Denegaciones',
  noDenials: 'ninguna',
  inside: 'Dentro',
  capacity: 'aforo',
  notCounted: 'aún sin recuento',
  health: 'Estado del equipo',
  scanners: 'Lectores',
  sync: 'Sincronización',
  uploads: 'Envíos a IBDP',
  clock: 'Reloj',
  storage: 'Almacenamiento',
  ok: 'Bien',
  warn: 'Atención',
  bad: 'Fallo',
  checkCode: 'Comprobar un código',
  code: 'Código (péguelo o léalo aquí)',
  check: 'Comprobar',
  admitByHand: 'Admitir a mano',
  partySize: 'Personas del grupo',
  why: 'Motivo (obligatorio)',
  admit: 'Admitir',
  correctCount: 'Corregir el recuento',
  delta: 'Personas a sumar (+) o restar (−)',
  correct: 'Corregir',
  entriesLeft: 'Entradas restantes',
  validUntil: 'Válida hasta',
  wouldGrant: 'Se le dejaría pasar',
  wouldDeny: 'Se le denegaría',
  admittedByHand: '{n} admitidos a mano.',
  overrideFull: 'Admitir con la sala llena',
  admittedOverCapacity: '{n} admitidos con la sala llena.',
  corrected: 'Recuento corregido en {delta}.',
  annulDone: 'Entrada anulada: {n} devueltas.',
  annulLate: 'Demasiado tarde: solo se puede anular en los 5 minutos siguientes.',
  annulTwice: 'Esa entrada ya está anulada.',
  annulUnknown: 'No hay tal entrada en este equipo.',
  badInput: 'Revise el formulario: {detail}',
  sessionOver: 'Su sesión ha terminado: vuelva a entrar.',
  pending: 'pendientes',
  lastError: 'último error',
  lag: 'de retraso',
  connected: 'conectado',
  disconnected: 'desconectado',
  none: 'ninguno configurado',
  suspect: 'dudoso',
  language: 'English',
  signedInAs: 'Sesión de {name}',
};

/** The strings of one language. */
export const strings = (lang: Lang): Strings => (lang === 'es' ? es : en);

/** Fills `{name}` placeholders. */
export const fill = (text: string, values: Record<string, string | number>): string =>
  text.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));
