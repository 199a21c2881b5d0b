/** What a list shows when it has nothing yet: a heading, a sentence, and the next thing to do. */
export function EmptyState({ title, children, action, testId }: { title: string; children?: React.ReactNode; action?: React.ReactNode; testId?: string }) {
  return (
    <div className="empty" data-testid={testId}>
      <h3>{title}</h3>
      {children ? <p>{children}</p> : null}
      {action ? <p>{action}</p> : null}
    </div>
  );
}
