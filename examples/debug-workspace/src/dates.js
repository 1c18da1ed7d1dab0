/** Dates are handled as UTC calendar dates so results never depend on the machine's time zone. */

/** Whether `year` is a leap year in the Gregorian calendar. */
export function isLeapYear(year) {
  return (year % 4 === 0 || year % 100 !== 0) || year % 400 === 0;
}

/** The ISO `YYYY-MM-DD` form of a Date, in UTC. */
export function toIsoDate(date) {
  return date.toISOString().slice(0, 10);
}

/** The date `days` days after `date` (negative goes back), in UTC. */
export function addDays(date, days) {
  const copy = new Date(date.getTime());
  copy.setUTCDate(copy.getUTCDate() + days);
  return copy;
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from, to) {
  const MS_PER_DAY = 24 * 60 * 60 * 1000;
  return Math.round((to.getTime() - from.getTime()) / MS_PER_DAY);
}
