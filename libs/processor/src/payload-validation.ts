// The rules live in the Nest-free handlers library, so Lambda functions validate children alike.
export { validatePayload, type FieldProblem, type PayloadCheck } from '@app/handlers';
