"""`wire`: the chat feature's connections, between its controller and its pane's widgets.

The window calls it once the core is attached; tests that build a chat call the same function.
"""

from __future__ import annotations

from desktop.ui.chat.controller import ChatController
from desktop.ui.chat.pane import ChatPane


def wire(chat: ChatController, pane: ChatPane) -> None:
    """What the user does in the pane reaches the controller; what it reports is shown."""
    pane.controller = chat
    composer, view = pane.composer, pane.view
    view.set_source(chat)
    composer.sendRequested.connect(chat.send)
    composer.editSubmitted.connect(chat.edit)
    composer.stop_button.clicked.connect(chat.stop)
    composer.model_picker.textActivated.connect(chat.set_model)
    composer.attachmentError.connect(pane.show_error)
    composer.notice.connect(pane.show_notice)
    composer.chat_input.editLastRequested.connect(pane.on_edit_last_requested)
    composer.systemPromptRequested.connect(pane.on_system_prompt_requested)
    pane.filesDropped.connect(composer.add_files)
    view.notice.connect(pane.show_notice)
    view.editRequested.connect(composer.begin_edit)
    view.regenerateRequested.connect(chat.regenerate)
    view.retryRequested.connect(chat.regenerate)
    view.continueRequested.connect(chat.continue_reply)
    view.branchRequested.connect(chat.select_branch)
    chat.conversationSwitched.connect(pane.on_conversation_switched)
    chat.threadChanged.connect(view.reload)
    chat.userMessageSaved.connect(composer.on_message_saved)
    chat.userMessageSaved.connect(view.on_message_added)
    chat.replyStarted.connect(view.on_message_added)
    chat.textDelta.connect(view.on_text_delta)
    chat.thinkingDelta.connect(view.on_thinking_delta)
    chat.textDelta.connect(pane.clear_progress)
    chat.retrying.connect(pane.show_progress)
    chat.notice.connect(pane.show_notice)
    chat.replyFinished.connect(view.on_reply_settled)
    chat.replyFailed.connect(view.on_reply_failed)
    chat.replyCancelled.connect(view.on_reply_settled)
    chat.busyChanged.connect(composer.set_busy)
    chat.busyChanged.connect(view.on_busy_changed)
    chat.busyChanged.connect(pane.on_busy_changed)
    chat.modelsLoaded.connect(pane.on_models_loaded)
    chat.error.connect(pane.show_error)
