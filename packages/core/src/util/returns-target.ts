/**
 * Returns the object it is given: a subclass constructed on it adds its private fields to that
 * object (a private brand on a plain object, which keeps its prototype and that nothing outside
 * the subclass's module can read, forge or copy).
 */
export class ReturnsTarget {
  constructor(target: object) {
    return target;
  }
}
